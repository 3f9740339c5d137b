// What BatchNorm2d and InstanceNorm2d share (PyTorch's _NormBase): their options and their
// checks, their parameters and buffers with PyTorch's names, and the running statistics they
// keep for eval mode, updated in place as PyTorch's batch_norm does.
import {
  checkOptions,
  type Generator,
  noGrad,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { ones, zeros } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";

/** Options of the 2-d normalisation layers; their defaults differ by layer, as in PyTorch. */
export interface NormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /** Weight of the newest batch in the running statistics. Default 0.1. */
  readonly momentum?: number | null;
  /** Learn a per-channel scale (`weight`) and shift (`bias`). */
  readonly affine?: boolean;
  /** Keep running statistics and use them in eval mode. */
  readonly trackRunningStats?: boolean;
  /** Dtype of the parameters and buffers. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * The parameters, buffers and checked options of a normalisation layer over channels, as
 * PyTorch's `_NormBase` holds them; subclasses give the defaults and the forward.
 */
export abstract class NormBase extends Module {
  /** Learnable per-channel scale γ, shape [C], or null without affine. */
  weight: Tensor | null;
  /** Learnable per-channel shift β, shape [C], or null without affine. */
  bias: Tensor | null;
  /** Running mean, shape [C] (a buffer), or null without trackRunningStats. */
  runningMean: Tensor | null;
  /** Running unbiased variance, shape [C] (a buffer), or null without trackRunningStats. */
  runningVar: Tensor | null;
  /** int32 scalar: how many training batches updated the running statistics. */
  numBatchesTracked: Tensor | null;
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance before the square root, for stability. */
  readonly eps: number;
  /** Weight of each new batch's statistics in the running ones; null for a cumulative average. */
  readonly momentum: number | null;

  constructor(
    layer: string,
    numFeatures: number,
    options: NormOptions,
    defaults: { readonly affine: boolean; readonly trackRunningStats: boolean },
  ) {
    super();
    checkOptions(layer, options, [
      "eps",
      "momentum",
      "affine",
      "trackRunningStats",
      "dtype",
      "generator",
    ]);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(layer, `numFeatures must be a positive integer; got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = checkEps(layer, options.eps);
    this.momentum = checkMomentum(layer, options.momentum);
    const init = { dtype: options.dtype, generator: options.generator };
    const affine = options.affine ?? defaults.affine;
    this.weight = affine ? ones([numFeatures], init) : null;
    this.bias = affine ? zeros([numFeatures], init) : null;
    const track = options.trackRunningStats ?? defaults.trackRunningStats;
    const buffer = { ...init, requiresGrad: false };
    this.runningMean = track ? zeros([numFeatures], buffer) : null;
    this.runningVar = track ? ones([numFeatures], buffer) : null;
    this.numBatchesTracked = track ? tensor(0, { dtype: "int32" }) : null;
  }

  override namedMembers(): Member[] {
    return super.namedMembers().map((m) => ({ ...m, name: RUNNING_STATS_NAMES[m.name] ?? m.name }));
  }
}

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
    if (numBatchesTracked && countBatch) numBatchesTracked.copyFrom(numBatchesTracked.add(1));
    // Only a null momentum needs the count, and reading it waits for a GPU.
    const f = momentum ?? 1 / Math.max(1, numBatchesTracked?.item() ?? 1);
    const blend = (running: Tensor, batch: Tensor) => {
      running.copyFrom(running.mul(1 - f).add(batch.detach().reshape(running.shape).mul(f)));
    };
    blend(runningMean, mean);
    blend(runningVar, unbiasedVar);
  });
}
