import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { roundingUnary } from "./float-kernels.js";

const roundOp: OpSpec = {
  name: "round",
  forward: ([x]) => roundingUnary("round", "round", x!),
  // d round(x) = 0 wherever it exists; the gradient is zeros (not none), as in PyTorch.
  backward: (g) => [g.zerosLike()],
};

/**
 * Elementwise rounding to the nearest integer, ties to even (as torch.round: 2.5 → 2, −0.5 → −0). Integers are returned unchanged (as a copy) and bool is rejected, as in PyTorch.
 * x: [...S] → [...S]
 * @example round(tensor([0.5, 1.5, 2.5])) // tensor([0., 2., 2.])
 */
export function round(x: TensorLike): Tensor {
  return applyOp(roundOp, [x], undefined);
}
