import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { add } from "./add.js";
import { eq, gt, lt } from "./comparison.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";
import { mul } from "./mul.js";

const maximumOp: OpSpec = {
  name: "maximum",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("maximum", "maximum", a, b, arithmeticDtype("maximum", a, b)),
  // The larger input takes the gradient; a tie splits it evenly, as in PyTorch.
  backward: (g, { inputs: [a, b] }) => {
    const half = mul(eq(a, b).cast(g.dtype), 0.5);
    return [
      // d max(a, b)/da = 1{a > b} + ½·1{a = b}
      a.requiresGrad ? mul(g, add(gt(a, b), half)) : null,
      // d max(a, b)/db = 1{b > a} + ½·1{a = b}
      b.requiresGrad ? mul(g, add(lt(a, b), half)) : null,
    ];
  },
};

/**
 * Elementwise maximum of a and b with NumPy broadcasting (NaN wins).
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example maximum(tensor([1, 5]), 3) // tensor([3., 5.])
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(maximumOp, [a, b], undefined);
}
