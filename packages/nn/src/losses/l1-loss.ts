import type { Tensor } from "@tensortape/core";
import { requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/**
 * Mean absolute error, |input − target| reduced by `reduction`, as PyTorch's `l1_loss`; its
 * gradient is sign(input − target), 0 where they are equal. The shapes must be equal.
 * input: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example l1Loss(tensor([1, 2]), tensor([1, 4])) // tensor(1.) = (0 + 2) / 2
 */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return l1LossWith("l1Loss", input, target, lossOptions("l1Loss", options));
}

/** l1Loss with a checked reduction, naming `op` in errors (L1Loss calls it too). */
export function l1LossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
): Tensor {
  requireSameShape(op, input, target);
  return reduce(op, input.sub(target).abs(), reduction);
}
