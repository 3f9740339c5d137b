import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel, rejectBool } from "./kernels.js";
import { neg } from "./neg.js";

const subOp: OpSpec = {
  name: "sub",
  broadcast: true,
  forward: ([a, b]) => {
    // PyTorch refuses to subtract bools (a mask is inverted with logicalNot, not 1 − mask).
    rejectBool("sub", a!, "a");
    rejectBool("sub", b!, "b");
    return binaryKernel("sub", "sub", a, b, arithmeticDtype("sub", a, b));
  },
  // d(a - b) = g·da - g·db
  backward: (g) => [g, neg(g)],
};

/**
 * Elementwise a - b with NumPy broadcasting. A bool operand is rejected, as in PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example sub(tensor([5, 7]), tensor([1, 2])) // tensor([4., 5.])
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(subOp, [a, b], undefined);
}
