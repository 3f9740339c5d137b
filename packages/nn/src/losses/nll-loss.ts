import {
  DTypeError,
  formatShape,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { type LossOptions, lossOptions, reduce } from "./reduction.js";

/**
 * Checks class-index targets against [..., C] scores and returns −score[target] per sample,
 * picked with `gather` along the class axis. Shared by nllLoss and crossEntropy, which name
 * themselves in errors.
 */
export function pickTargets(op: string, scores: Tensor, target: Tensor): Tensor {
  if (scores.rank === 0) {
    throw new ShapeError(op, "expects scores with a class axis, [..., C]", {
      input: scores.shape,
    });
  }
  if (target.dtype !== "int32") {
    throw new DTypeError(
      op,
      "class-index targets must be int32",
      { target: target.dtype },
      'use target.cast("int32"), or pass class probabilities of the input\'s shape to crossEntropy',
    );
  }
  const batch = scores.shape.slice(0, -1);
  if (!shapesEqual(target.shape, batch)) {
    throw new ShapeError(
      op,
      `target must have the input's shape without its class axis, ${formatShape(batch)}`,
      { input: scores.shape, target: target.shape },
    );
  }
  const classes = scores.shape[scores.rank - 1]!;
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < 0 || t[i]! >= classes) {
      throw new ValueError(
        op,
        `target ${t[i]} at flat index ${i} is not a class index in [0, ${classes})`,
      );
    }
  }
  return scores.gather(-1, target.unsqueeze(-1)).squeeze(-1).neg();
}

/**
 * Negative log-likelihood of class indices given log-probabilities: −logProbs[target]. The
 * class axis is the last one ([N, C] as PyTorch; for more axes PyTorch puts C second).
 * logProbs: [..., C], target: int32 [...] → [] (or [...] with reduction "none")
 * @example nllLoss(logSoftmax(logits), labels)
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = lossOptions("nllLoss", options);
  return reduce("nllLoss", pickTargets("nllLoss", logProbs, target), reduction);
}
