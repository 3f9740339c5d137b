import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { roundingUnary } from "./float-kernels.js";

const ceilOp: OpSpec = {
  name: "ceil",
  forward: ([x]) => roundingUnary("ceil", "ceil", x!),
  // d ceil(x) = 0 wherever it exists; the gradient is zeros (not none), as in PyTorch.
  backward: (g) => [g.zerosLike()],
};

/**
 * Elementwise ceiling: the smallest integer ≥ x. Integers are returned unchanged (as a copy) and
 * bool is rejected, as in PyTorch.
 * x: [...S] → [...S]
 * @example ceil(tensor([-1.5, 1.5])) // tensor([-1.0000,  2.0000])
 */
export function ceil(x: TensorLike): Tensor {
  return applyOp(ceilOp, [x], undefined);
}
