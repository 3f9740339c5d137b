import type { Tensor } from "@tensortape/core";
import { softplus } from "../functional/softplus.js";
import { checkBroadcastWeight, requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/** Options of `binaryCrossEntropyWithLogits` and `BCEWithLogitsLoss`. */
export interface BCEWithLogitsOptions extends LossOptions {
  /** Multiplies each element's loss; broadcasts to the input's shape. Default: none. */
  readonly weight?: Tensor;
  /**
   * Weighs the positive term, per class along the last axis ([C] against [..., C]): above 1
   * it raises recall, below 1 precision. Broadcasts to the input's shape. Default: none.
   */
  readonly posWeight?: Tensor;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedBCEWithLogitsOptions {
  readonly weight: Tensor | undefined;
  readonly posWeight: Tensor | undefined;
  readonly reduction: Reduction;
}

/** Checks binaryCrossEntropyWithLogits's options under the name `op`. */
export function bceWithLogitsOptions(
  op: string,
  options: BCEWithLogitsOptions | undefined,
): CheckedBCEWithLogitsOptions {
  const reduction = lossOptions(op, options, ["weight", "posWeight"]);
  return {
    weight: options?.weight ?? undefined,
    posWeight: options?.posWeight ?? undefined,
    reduction,
  };
}

/**
 * Binary cross-entropy of targets y ∈ [0, 1] given logits x, as PyTorch's
 * `binary_cross_entropy_with_logits`: −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))) with weight w
 * and posWeight p, computed as w·((1 − y)·x + (1 + (p − 1)·y)·softplus(−x)), which is finite
 * for logits of any size. Without p it is softplus(x) − x·y, whose gradient is exactly
 * σ(x) − y (times w, before the reduction); with p it is (1 + (p − 1)·y)·σ(x) − p·y.
 * logits: [...S], target: [...S], weight and posWeight broadcasting to [...S] → [] (or [...S] with reduction "none")
 * @example binaryCrossEntropyWithLogits(tensor([0]), tensor([1])) // tensor(0.6931) = log 2
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  return binaryCrossEntropyWithLogitsWith(op, logits, target, bceWithLogitsOptions(op, options));
}

/** binaryCrossEntropyWithLogits with checked options, naming `op` (BCEWithLogitsLoss's too). */
export function binaryCrossEntropyWithLogitsWith(
  op: string,
  logits: Tensor,
  target: Tensor,
  options: CheckedBCEWithLogitsOptions,
): Tensor {
  requireSameShape(op, logits, target);
  const weight = checkBroadcastWeight(op, "weight", options.weight, logits);
  const posWeight = checkBroadcastWeight(op, "posWeight", options.posWeight, logits);
  const loss = posWeight
    ? target
        .neg()
        .add(1)
        .mul(logits)
        .add(posWeight.sub(1).mul(target).add(1).mul(softplus(logits.neg())))
    : softplus(logits).sub(logits.mul(target));
  return reduce(op, weight ? loss.mul(weight) : loss, options.reduction);
}
