import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";

const addOp: OpSpec = {
  name: "add",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("add", "add", a, b, arithmeticDtype("add", a, b)),
  // d(a + b) = g·da + g·db
  backward: (g) => [g, g],
};

/**
 * Elementwise a + b with NumPy broadcasting.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example add(tensor([1, 2]), 10) // tensor([11., 12.])
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(addOp, [a, b], undefined);
}
