// What BatchNorm2d and InstanceNorm2d share: their options' checks, their buffers' PyTorch
// names, and the running statistics they keep for eval mode, updated in place as PyTorch's
// batch_norm does.
import { noGrad, type Tensor, ValueError } from "@tensortape/core";

/** The state-dict names PyTorch gives the normalisation layers' buffers. */
export const RUNNING_STATS_NAMES: Readonly<Record<string, string>> = {
  runningMean: "running_mean",
  runningVar: "running_var",
  numBatchesTracked: "num_batches_tracked",
};

/** Checks a normalisation layer's `eps`: a number ≥ 0, default 1e-5. */
export function checkEps(layer: string, eps: number | undefined): number {
  const e = eps ?? 1e-5;
  if (typeof e !== "number" || !(e >= 0)) {
    throw new ValueError(layer, `eps must be a number ≥ 0; got ${String(e)}`);
  }
  return e;
}

/**
 * Checks a normalisation layer's `momentum`: a number in [0, 1], or null for PyTorch's
 * cumulative moving average (each batch weighted 1 / num_batches_tracked).
 */
export function checkMomentum(layer: string, momentum: number | null | undefined): number | null {
  const m = momentum === undefined ? 0.1 : momentum;
  if (m !== null && !(typeof m === "number" && m >= 0 && m <= 1)) {
    throw new ValueError(layer, `momentum must be a number in [0, 1] or null; got ${String(m)}`);
  }
  return m;
}

/**
 * r ← (1 − f)·r + f·batch for the running mean and variance, where f is `momentum`, or
 * 1 / num_batches_tracked when momentum is null. `mean` and `unbiasedVar` are [C] (or
 * broadcast to it). Writes in place and bumps each buffer's version: an eval-mode graph that
 * read the buffers must not run backward with the new values.
 */
export function updateRunningStats(
  runningMean: Tensor,
  runningVar: Tensor,
  numBatchesTracked: Tensor | null,
  mean: Tensor,
  unbiasedVar: Tensor,
  momentum: number | null,
  countBatch: boolean,
): void {
  noGrad(() => {
    if (numBatchesTracked && countBatch) {
      numBatchesTracked.data[0] = numBatchesTracked.data[0]! + 1;
      numBatchesTracked.bumpVersion();
    }
    const f = momentum ?? 1 / Math.max(1, Number(numBatchesTracked?.data[0] ?? 1));
    const blend = (running: Tensor, batch: Tensor) => {
      const next = running.mul(1 - f).add(batch.detach().reshape(running.shape).mul(f));
      running.data.set(next.data);
      running.bumpVersion();
    };
    blend(runningMean, mean);
    blend(runningVar, unbiasedVar);
  });
}
