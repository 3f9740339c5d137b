import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { add } from "./add.js";
import { eq, gt, lt } from "./comparison.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";
import { mul } from "./mul.js";

const minimumOp: OpSpec = {
  name: "minimum",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("minimum", "minimum", a, b, arithmeticDtype("minimum", a, b)),
  // The smaller input takes the gradient; a tie splits it evenly, as in PyTorch.
  backward: (g, { inputs: [a, b] }) => {
    const half = mul(eq(a, b).cast(g.dtype), 0.5);
    return [
      // d min(a, b)/da = 1{a < b} + ½·1{a = b}
      a.requiresGrad ? mul(g, add(lt(a, b), half)) : null,
      // d min(a, b)/db = 1{b < a} + ½·1{a = b}
      b.requiresGrad ? mul(g, add(gt(a, b), half)) : null,
    ];
  },
};

/**
 * Elementwise minimum of a and b with NumPy broadcasting (NaN wins).
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example minimum(tensor([1, 5]), 3) // tensor([1., 3.])
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(minimumOp, [a, b], undefined);
}
