import type { Tensor } from "@tensortape/core";
import { requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/**
 * Mean squared error, (input − target)² reduced by `reduction`, as PyTorch's `mse_loss`. The
 * shapes must be equal: silently broadcasting [N, 1] against [N] is a classic bug (PyTorch
 * only warns), so it is an error here.
 * input: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example mseLoss(tensor([1, 2]), tensor([1, 4])) // tensor(2.) = ((0)² + (−2)²) / 2
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return mseLossWith("mseLoss", input, target, lossOptions("mseLoss", options));
}

/** mseLoss with a checked reduction, naming `op` in errors (MSELoss calls it too). */
export function mseLossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
): Tensor {
  requireSameShape(op, input, target);
  return reduce(op, input.sub(target).square(), reduction);
}
