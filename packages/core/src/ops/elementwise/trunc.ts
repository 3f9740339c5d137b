import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { roundingUnary } from "./float-kernels.js";

const truncOp: OpSpec = {
  name: "trunc",
  forward: ([x]) => roundingUnary("trunc", "trunc", x!),
  // d trunc(x) = 0 wherever it exists; the gradient is zeros (not none), as in PyTorch.
  backward: (g) => [g.zerosLike()],
};

/**
 * Elementwise rounding toward zero. Integers are returned unchanged (as a copy) and bool is
 * rejected, as in PyTorch.
 * x: [...S] → [...S]
 * @example trunc(tensor([-1.5, 1.5])) // tensor([-1.0000,  1.0000])
 */
export function trunc(x: TensorLike): Tensor {
  return applyOp(truncOp, [x], undefined);
}
