import {
  DTypeError,
  isFloat,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { checkClassWeight, checkNumberOption, requireFloat } from "./checks.js";
import {
  checkIgnoreIndex,
  classAxisOf,
  classIndexTerms,
  type NLLLossOptions,
  reduceByWeights,
} from "./nll-loss.js";
import { lossOptions, type Reduction, reduce } from "./reduction.js";

/** Options of `crossEntropy` and `CrossEntropyLoss`, as PyTorch's `cross_entropy`. */
export interface CrossEntropyOptions extends NLLLossOptions {
  /**
   * In [0, 1]: the target becomes (1 − ε)·target + ε/C, a mix of it and the uniform
   * distribution over the C classes. Default 0.
   */
  readonly labelSmoothing?: number;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedCrossEntropyOptions {
  readonly weight: Tensor | undefined;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
}

/** Checks crossEntropy's options under the name `op` (the function's or the module's). */
export function crossEntropyOptions(
  op: string,
  options: CrossEntropyOptions | undefined,
): CheckedCrossEntropyOptions {
  const reduction = lossOptions(op, options, ["weight", "ignoreIndex", "labelSmoothing"]);
  const labelSmoothing = checkNumberOption(
    op,
    "labelSmoothing",
    options?.labelSmoothing ?? 0,
    (v) => v >= 0 && v <= 1,
    "a number in [0, 1]",
  );
  const ignoreIndex = checkIgnoreIndex(op, options?.ignoreIndex);
  return { weight: options?.weight ?? undefined, ignoreIndex, reduction, labelSmoothing };
}

/**
 * Cross-entropy between scores (logits) and class indices or class probabilities, as PyTorch's
 * `cross_entropy`, laid out as PyTorch: the class axis is the second ([N, C, d1, ...]) or the
 * only one (unbatched [C]).
 *
 * - int32 class indices [N, d1, ...] (0-d for [C]): −weight[t]·log softmax(x)[t], 0 where
 *   t = ignoreIndex; "mean" divides by the sum of the non-ignored targets' weights (an
 *   all-ignored mean is NaN, as in PyTorch). With label smoothing ε the loss is
 *   (1 − ε)·that + (ε/C)·Σ_c −weight[c]·log softmax(x)[c], the second term also 0 where ignored
 *   and divided by the same sum.
 * - float class probabilities of the input's shape and dtype: −Σ_c weight[c]·p_c·log
 *   softmax(x)_c with p smoothed to (1 − ε)·p + ε/C; "mean" divides by the number of samples
 *   (N·d1·…), not by weights. ignoreIndex must then be negative, as PyTorch requires.
 *
 * It is built from core's stable `logSoftmax`, so the gradient is finite for logits of any
 * size (±1000 included), and exactly (softmax − onehot)/N for the plain mean.
 * logits: [N, C, d1, ...] or [C], target: int32 [N, d1, ...] or [], or float [N, C, d1, ...] → [] (or [N, d1, ...] with reduction "none")
 * @example crossEntropy(tensor([[2, 0]]), tensor([0], { dtype: "int32" })) // tensor(0.1269) = log(1 + e⁻²)
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  return crossEntropyWith(
    "crossEntropy",
    logits,
    target,
    crossEntropyOptions("crossEntropy", options),
  );
}

/** crossEntropy with checked options, naming `op` in errors (CrossEntropyLoss calls it too). */
export function crossEntropyWith(
  op: string,
  logits: Tensor,
  target: Tensor,
  options: CheckedCrossEntropyOptions,
): Tensor {
  const { ignoreIndex, reduction, labelSmoothing: epsilon } = options;
  const classAxis = classAxisOf(op, logits);
  requireFloat(op, "input", logits);
  const weight = checkClassWeight(op, options.weight, logits, classAxis);
  const classes = logits.shape[classAxis]!;
  // The weight laid along the class axis, so it broadcasts against [N, C, d1, ...].
  const classWeight = weight?.reshape([classes, ...logits.shape.slice(classAxis + 1).map(() => 1)]);
  const logProbs = logits.logSoftmax(classAxis);
  if (isFloat(target.dtype)) {
    return probabilityTargets(op, logits, target, logProbs, classAxis, classWeight, options);
  }
  const { loss, weights, ignored } = classIndexTerms(
    op,
    logProbs,
    target,
    classAxis,
    weight,
    ignoreIndex,
  );
  if (epsilon === 0) return reduceByWeights(loss, weights, reduction);
  const weighted = classWeight ? logProbs.mul(classWeight) : logProbs;
  const smooth = weighted.sum(classAxis).neg().maskedFill(ignored, 0);
  const mixed = loss.mul(1 - epsilon).add(smooth.mul(epsilon / classes));
  return reduceByWeights(mixed, weights, reduction);
}

function probabilityTargets(
  op: string,
  logits: Tensor,
  target: Tensor,
  logProbs: Tensor,
  classAxis: number,
  classWeight: Tensor | undefined,
  options: CheckedCrossEntropyOptions,
): Tensor {
  if (!shapesEqual(target.shape, logits.shape)) {
    throw new ShapeError(
      op,
      "class-probability targets must have the input's shape",
      { input: logits.shape, target: target.shape },
      undefined,
      'for class indices pass an int32 target, e.g. labels.cast("int32")',
    );
  }
  if (target.dtype !== logits.dtype) {
    throw new DTypeError(
      op,
      "class-probability targets must have the input's dtype",
      { input: logits.dtype, target: target.dtype },
      `use target.cast("${logits.dtype}")`,
    );
  }
  if (options.ignoreIndex >= 0) {
    throw new ValueError(
      op,
      `ignoreIndex ${options.ignoreIndex} applies to class-index targets only; class-probability targets need a negative ignoreIndex (default −100), as in PyTorch`,
    );
  }
  const epsilon = options.labelSmoothing;
  const classes = logits.shape[classAxis]!;
  const p = epsilon === 0 ? target : target.mul(1 - epsilon).add(epsilon / classes);
  const weighted = classWeight ? p.mul(classWeight) : p;
  const loss = weighted.mul(logProbs).sum(classAxis).neg();
  return reduce(op, loss, options.reduction);
}
