import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";
import { neg } from "./neg.js";

const subOp: OpSpec = {
  name: "sub",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("sub", "sub", a, b, arithmeticDtype("sub", a, b)),
  // d(a - b) = g·da - g·db
  backward: (g) => [g, neg(g)],
};

/**
 * Elementwise a - b with NumPy broadcasting.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example sub(tensor([5, 7]), tensor([1, 2])) // tensor([4., 5.])
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(subOp, [a, b], undefined);
}
