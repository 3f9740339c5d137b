import { ShapeError, shapesEqual, type Tensor } from "@tensortape/core";
import { type LossOptions, lossOptions, reduce } from "./reduction.js";

/**
 * Mean squared error, (input − target)² reduced by `reduction`. The shapes must be equal:
 * silently broadcasting [N, 1] against [N] is a classic bug, so it is an error here.
 * input: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example mseLoss(tensor([1, 2]), tensor([1, 4])) // tensor(2.) = ((0)² + (−2)²) / 2
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = lossOptions("mseLoss", options);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      "mseLoss",
      "input and target must have the same shape",
      { input: input.shape, target: target.shape },
      undefined,
      "reshape one of them, e.g. prediction.reshape([-1]) for [N, 1] against [N]",
    );
  }
  return reduce("mseLoss", input.sub(target).square(), reduction);
}
