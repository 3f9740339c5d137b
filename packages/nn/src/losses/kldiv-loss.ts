import { checkOptions, type Tensor, ValueError, where } from "@tensortape/core";
import { requireSameShape } from "./checks.js";
import { lossOptions, reduce } from "./reduction.js";

/** KLDivLoss's reductions: the usual three, and "batchmean", the sum over the batch size. */
export type KLDivReduction = "mean" | "batchmean" | "sum" | "none";

/** Options of `kldivLoss` and `KLDivLoss`. */
export interface KLDivLossOptions {
  /**
   * "batchmean" (the sum divided by the batch size, the KL divergence per sample) is what the
   * mathematics means; "mean" divides by every element, as PyTorch's default does. Default "mean".
   */
  readonly reduction?: KLDivReduction;
  /** The target is given as log-probabilities rather than probabilities. Default false. */
  readonly logTarget?: boolean;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedKLDivLossOptions {
  readonly reduction: KLDivReduction;
  readonly logTarget: boolean;
}

/** Checks kldivLoss's options under the name `op` (the function's or the module's). */
export function kldivLossOptions(
  op: string,
  options: KLDivLossOptions | undefined,
): CheckedKLDivLossOptions {
  checkOptions(op, options, ["reduction", "logTarget"]);
  const reduction = lossOptions<KLDivReduction>(
    op,
    { reduction: options?.reduction },
    [],
    ["mean", "batchmean", "sum", "none"],
  );
  const logTarget = options?.logTarget ?? false;
  if (typeof logTarget !== "boolean") {
    throw new ValueError(op, `logTarget must be true or false; got ${String(logTarget)}`);
  }
  return { reduction, logTarget };
}

/**
 * Kullback–Leibler divergence of the target from the input, as PyTorch's `kl_div`: the input
 * holds log-probabilities, the target probabilities p (0·log 0 counted as 0, as xlogy does)
 * or, with `logTarget`, log-probabilities q. Per element: p·(log p − input), or
 * eᑫ·(q − input). The shapes must be equal.
 * input: [N, ...], target: [N, ...] → [] (or [N, ...] with reduction "none")
 * @example kldivLoss(logits.logSoftmax(1), targetProbs, { reduction: "batchmean" })
 */
export function kldivLoss(input: Tensor, target: Tensor, options: KLDivLossOptions = {}): Tensor {
  return kldivLossWith("kldivLoss", input, target, kldivLossOptions("kldivLoss", options));
}

/** kldivLoss with checked options, naming `op` in errors (KLDivLoss calls it too). */
export function kldivLossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  { reduction, logTarget }: CheckedKLDivLossOptions,
): Tensor {
  requireSameShape(op, input, target);
  let loss: Tensor;
  if (logTarget) {
    loss = target.exp().mul(target.sub(input));
  } else {
    // xlogy(p, p) = p·log p, and 0 where p = 0. log is taken of 1 there, so neither the value
    // nor the gradient sees log 0; a negative p still gives NaN, as in PyTorch.
    const safe = where(target.eq(0), 1, target);
    loss = target.mul(safe.log()).sub(target.mul(input));
  }
  if (reduction === "batchmean") {
    // PyTorch divides by the size of the first axis, and by 1 for a 0-d input.
    const batch = input.rank === 0 ? 1 : input.shape[0]!;
    return loss.sum().div(batch);
  }
  return reduce(op, loss, reduction);
}
