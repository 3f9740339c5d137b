import { ShapeError, shapesEqual, type Tensor } from "@tensortape/core";
import { softplus } from "../functional/softplus.js";
import { type LossOptions, lossOptions, reduce } from "./reduction.js";

/**
 * Binary cross-entropy of targets y ∈ [0, 1] given logits x: −y·log σ(x) − (1 − y)·log(1 − σ(x)),
 * computed as softplus(x) − x·y, which is finite for logits of any size and whose gradient is
 * exactly σ(x) − y (per element, before the reduction).
 * logits: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example binaryCrossEntropyWithLogits(tensor([0]), tensor([1])) // tensor(0.6931) = log 2
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: LossOptions = {},
): Tensor {
  const reduction = lossOptions("binaryCrossEntropyWithLogits", options);
  if (!shapesEqual(logits.shape, target.shape)) {
    throw new ShapeError(
      "binaryCrossEntropyWithLogits",
      "logits and target must have the same shape",
      { logits: logits.shape, target: target.shape },
      undefined,
      "reshape one of them, e.g. logits.reshape([-1]) for [N, 1] against [N]",
    );
  }
  const loss = softplus(logits).sub(logits.mul(target));
  return reduce("binaryCrossEntropyWithLogits", loss, reduction);
}
