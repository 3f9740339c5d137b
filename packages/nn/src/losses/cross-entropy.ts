import { DTypeError, ShapeError, shapesEqual, type Tensor } from "@tensortape/core";
import { pickTargets } from "./nll-loss.js";
import { type LossOptions, lossOptions, reduce } from "./reduction.js";

/**
 * Cross-entropy between logits and class indices (int32) or class probabilities (float, of
 * the logits' shape): −log softmax(logits)[target], or −Σ_c p_c·log softmax(logits)_c.
 * It is computed from core's stable `logSoftmax`, whose backward rule makes the gradient
 * exactly (softmax − onehot)/n for the mean, and finite for logits of any size (±1000
 * included). The class axis is the last one.
 * logits: [..., C], target: int32 [...] or float [..., C] → [] (or [...] with reduction "none")
 * @example crossEntropy(tensor([[2, 0]]), tensor([0], { dtype: "int32" })) // tensor(0.1269) = log(1 + e⁻²)
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = lossOptions("crossEntropy", options);
  if (target.dtype === "int32") {
    const loss = pickTargets("crossEntropy", logits.logSoftmax(-1), target);
    return reduce("crossEntropy", loss, reduction);
  }
  if (target.dtype !== logits.dtype) {
    throw new DTypeError(
      "crossEntropy",
      "targets must be int32 class indices or class probabilities of the logits' dtype",
      { logits: logits.dtype, target: target.dtype },
    );
  }
  if (logits.rank === 0 || !shapesEqual(target.shape, logits.shape)) {
    throw new ShapeError(
      "crossEntropy",
      "class-probability targets must have the logits' shape",
      { logits: logits.shape, target: target.shape },
      undefined,
      'for class indices pass an int32 target, e.g. labels.cast("int32")',
    );
  }
  const loss = target.mul(logits.logSoftmax(-1)).sum(-1).neg();
  return reduce("crossEntropy", loss, reduction);
}
