import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { roundingUnary } from "./float-kernels.js";

const floorOp: OpSpec = {
  name: "floor",
  forward: ([x]) => roundingUnary("floor", "floor", x!),
  // d floor(x) = 0 wherever it exists; the gradient is zeros (not none), as in PyTorch.
  backward: (g) => [g.zerosLike()],
};

/**
 * Elementwise floor: the largest integer ≤ x. Integers are returned unchanged (as a copy) and bool
 * is rejected, as in PyTorch.
 * x: [...S] → [...S]
 * @example floor(tensor([-1.5, 1.5])) // tensor([-2.0000,  1.0000])
 */
export function floor(x: TensorLike): Tensor {
  return applyOp(floorOp, [x], undefined);
}
