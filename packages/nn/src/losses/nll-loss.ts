import {
  checkOnDevice,
  DTypeError,
  formatShape,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { checkClassWeight, checkNumberOption, requireFloat } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction } from "./reduction.js";

/** Options of `nllLoss` and `NLLLoss`, as PyTorch's `nll_loss`. */
export interface NLLLossOptions extends LossOptions {
  /** A rescaling weight per class, [C], of the input's dtype. Default: every class 1. */
  readonly weight?: Tensor;
  /** Targets equal to it contribute nothing, to the loss nor to the mean's divisor. Default −100. */
  readonly ignoreIndex?: number;
}

/** The class axis of scores laid out as PyTorch's: 0 for unbatched [C], else 1 ([N, C, d1, ...]). */
export function classAxisOf(op: string, input: Tensor): number {
  if (input.rank === 0) {
    throw new ShapeError(op, "expects scores with a class axis, [C] or [N, C, d1, ...]", {
      input: input.shape,
    });
  }
  return input.rank === 1 ? 0 : 1;
}

/** Checks `ignoreIndex` (an integer, any value) and returns it; −100 when undefined. */
export function checkIgnoreIndex(op: string, ignoreIndex: number | undefined): number {
  return checkNumberOption(op, "ignoreIndex", ignoreIndex ?? -100, Number.isInteger, "an integer");
}

/**
 * Checks int32 class-index targets against scores [N, C, d1, ...] (or [C]): the target's shape
 * is the input's without its class axis, and every target is a class in [0, C) or ignoreIndex.
 * Reading the targets is what PyTorch's kernels do too (its CUDA kernels assert).
 */
function checkClassTargets(
  op: string,
  input: Tensor,
  target: Tensor,
  classAxis: number,
  ignoreIndex: number,
): void {
  if (target.dtype !== "int32") {
    throw new DTypeError(
      op,
      "class-index targets must be int32",
      { target: target.dtype },
      op === "crossEntropy" || op === "CrossEntropyLoss"
        ? 'use target.cast("int32"), or pass class probabilities of the input\'s shape and dtype'
        : 'use target.cast("int32")',
    );
  }
  const expected = input.shape.filter((_, axis) => axis !== classAxis);
  if (!shapesEqual(target.shape, expected)) {
    const classLast = input.rank >= 3 && shapesEqual(target.shape, input.shape.slice(0, -1));
    throw new ShapeError(
      op,
      `target must have the input's shape without its class axis (axis ${classAxis}), ${formatShape(expected)}`,
      { input: input.shape, target: target.shape },
      undefined,
      classLast
        ? "the class axis is the second, as in PyTorch ([N, C, d1, ...]): for [N, T, C] scores pass scores.movedim(-1, 1)"
        : undefined,
    );
  }
  const classes = input.shape[classAxis]!;
  if (target.device !== "cpu") {
    const bad = target.lt(0).logicalOr(target.ge(classes)).logicalAnd(target.ne(ignoreIndex)).any();
    checkOnDevice(
      op,
      bad,
      `a target is not a class index in [0, ${classes}); got input ${formatShape(input.shape)} and target ${formatShape(target.shape)} (C = ${classes}, ignoreIndex ${ignoreIndex})`,
    );
    return;
  }
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if ((v < 0 || v >= classes) && v !== ignoreIndex) {
      throw new ValueError(
        op,
        `target ${v} at flat index ${i} is not a class index in [0, ${classes}); got input ${formatShape(input.shape)} and target ${formatShape(target.shape)} (C = ${classes}, ignoreIndex ${ignoreIndex})`,
      );
    }
  }
}

/** Per-sample pieces of a class-index loss, each of the target's shape. */
export interface ClassIndexTerms {
  /** −logProbs[target]·weight[target], 0 where the target is ignored. */
  readonly loss: Tensor;
  /** weight[target] (1 without weights), 0 where ignored: the mean divides by their sum. */
  readonly weights: Tensor;
  /** Where the target equals ignoreIndex. */
  readonly ignored: Tensor;
}

/**
 * Checks the targets and picks −logProbs[target] along the class axis with `gather`. Ignored
 * targets (which may be any integer, -100 included) are replaced by class 0 for the gather and
 * their values masked to 0, so no out-of-range index reaches the kernel and no −∞ leaks in.
 */
export function classIndexTerms(
  op: string,
  logProbs: Tensor,
  target: Tensor,
  classAxis: number,
  weight: Tensor | undefined,
  ignoreIndex: number,
): ClassIndexTerms {
  checkClassTargets(op, logProbs, target, classAxis, ignoreIndex);
  const ignored = target.eq(ignoreIndex);
  const safeTarget = target.maskedFill(ignored, 0);
  const picked = logProbs
    .gather(classAxis, safeTarget.unsqueeze(classAxis))
    .squeeze(classAxis)
    .maskedFill(ignored, 0)
    .neg();
  if (!weight) {
    const weights = ignored.logicalNot().cast(logProbs.dtype);
    return { loss: picked, weights, ignored };
  }
  const weights = weight
    .gather(0, safeTarget.reshape([-1]))
    .reshape(target.shape)
    .maskedFill(ignored, 0);
  return { loss: picked.mul(weights), weights, ignored };
}

/**
 * Reduces per-sample class-index losses as PyTorch: "mean" divides the sum by the sum of the
 * non-ignored targets' weights (their count without weights), so an all-ignored batch gives
 * 0/0 = NaN, as PyTorch does.
 */
export function reduceByWeights(loss: Tensor, weights: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return loss;
  if (reduction === "sum") return loss.sum();
  return loss.sum().div(weights.sum());
}

/**
 * Negative log-likelihood of class indices given log-probabilities, as PyTorch's `nll_loss`:
 * −weight[t]·logProbs[t] per sample (0 where t = ignoreIndex), and "mean" divides by the sum
 * of the non-ignored targets' weights. The class axis is the second ([N, C, d1, ...], targets
 * [N, d1, ...]), or the only one for an unbatched [C] with a 0-d target.
 * logProbs: [N, C, d1, ...] or [C], target: int32 [N, d1, ...] or [] → [] (or the target's shape with reduction "none")
 * @example nllLoss(logits.logSoftmax(1), labels, { ignoreIndex: 0 })
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  return nllLossWith("nllLoss", logProbs, target, nllLossOptions("nllLoss", options));
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedNLLLossOptions {
  readonly weight: Tensor | undefined;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
}

/** Checks nllLoss's options under the name `op` (the function's or the module's). */
export function nllLossOptions(
  op: string,
  options: NLLLossOptions | undefined,
): CheckedNLLLossOptions {
  const reduction = lossOptions(op, options, ["weight", "ignoreIndex"]);
  const ignoreIndex = checkIgnoreIndex(op, options?.ignoreIndex);
  return { weight: options?.weight ?? undefined, ignoreIndex, reduction };
}

/** nllLoss with checked options, naming `op` in errors (NLLLoss calls it too). */
export function nllLossWith(
  op: string,
  logProbs: Tensor,
  target: Tensor,
  options: CheckedNLLLossOptions,
): Tensor {
  const classAxis = classAxisOf(op, logProbs);
  requireFloat(op, "input", logProbs);
  const weight = checkClassWeight(op, options.weight, logProbs, classAxis);
  const { loss, weights } = classIndexTerms(
    op,
    logProbs,
    target,
    classAxis,
    weight,
    options.ignoreIndex,
  );
  return reduceByWeights(loss, weights, options.reduction);
}
