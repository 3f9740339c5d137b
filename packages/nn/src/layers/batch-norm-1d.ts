import {
  checkOptions,
  formatShape,
  type Generator,
  noGrad,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { ones, zeros } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";
import { updateRunningStats } from "./running-stats.js";

/** Options of `BatchNorm1d`. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /** Weight of the newest batch in the running statistics. Default 0.1. */
  readonly momentum?: number;
  /** Learn a per-feature scale (`weight`) and shift (`bias`). Default true. */
  readonly affine?: boolean;
  /** Keep running statistics for eval mode. Default true; without, eval uses batch statistics. */
  readonly trackRunningStats?: boolean;
  /** Dtype of the parameters and buffers. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * Batch normalisation over the batch (and length) axis of [N, C] or [N, C, L] inputs. In
 * training mode it normalises with the batch's mean and biased variance and updates the
 * running statistics (mean, and unbiased variance) with `momentum`; in eval mode it uses the
 * running statistics. State dict names follow PyTorch: `weight`, `bias`, `running_mean`,
 * `running_var`, `num_batches_tracked`.
 * x: [N, C] or [N, C, L] → same shape
 * @example new BatchNorm1d(16).forward(randn([32, 16])).shape // [32, 16]
 */
export class BatchNorm1d extends Module {
  /** Learnable per-feature scale γ, shape [C], or null without affine. */
  weight: Tensor | null;
  /** Learnable per-feature shift β, shape [C], or null without affine. */
  bias: Tensor | null;
  /** Shape [C]; buffers (tensors that do not require grad). */
  runningMean: Tensor | null;
  /** Running unbiased variance, shape [C]. */
  runningVar: Tensor | null;
  /** int32 scalar. */
  numBatchesTracked: Tensor | null;
  /** Number of features (channels) C. */
  readonly numFeatures: number;
  /** Added to the variance before the square root, for stability. */
  readonly eps: number;
  /** Weight of each new batch's statistics in the running ones. */
  readonly momentum: number;

  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super();
    checkOptions("BatchNorm1d", options, [
      "eps",
      "momentum",
      "affine",
      "trackRunningStats",
      "dtype",
      "generator",
    ]);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(
        "BatchNorm1d",
        `numFeatures must be a positive integer; got ${numFeatures}`,
      );
    }
    const momentum = options.momentum ?? 0.1;
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new ValueError("BatchNorm1d", `momentum must be in [0, 1]; got ${momentum}`);
    }
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = momentum;
    const init = { dtype: options.dtype, generator: options.generator };
    const affine = options.affine ?? true;
    this.weight = affine ? ones([numFeatures], init) : null;
    this.bias = affine ? zeros([numFeatures], init) : null;
    const track = options.trackRunningStats ?? true;
    const buffer = { ...init, requiresGrad: false };
    this.runningMean = track ? zeros([numFeatures], buffer) : null;
    this.runningVar = track ? ones([numFeatures], buffer) : null;
    this.numBatchesTracked = track ? tensor(0, { dtype: "int32" }) : null;
  }

  override namedMembers(): Member[] {
    const pytorchNames: Record<string, string> = {
      runningMean: "running_mean",
      runningVar: "running_var",
      numBatchesTracked: "num_batches_tracked",
    };
    return super.namedMembers().map((m) => ({ ...m, name: pytorchNames[m.name] ?? m.name }));
  }

  override forward(x: Tensor): Tensor {
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        "BatchNorm1d",
        `expects [N, C] or [N, C, L] with C = numFeatures = ${this.numFeatures}`,
        { x: x.shape },
      );
    }
    // Per-feature tensors broadcast as [C] against [N, C], and as [C, 1] against [N, C, L].
    const perFeature = (t: Tensor) => (x.rank === 3 ? t.reshape([this.numFeatures, 1]) : t);
    const axes = x.rank === 3 ? [0, 2] : [0];
    const count = x.size / this.numFeatures;
    let y: Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      if (this.training && count < 2) {
        throw new ValueError(
          "BatchNorm1d",
          `training needs more than one value per feature to estimate a variance; got x ${formatShape(x.shape)}`,
          "use a larger batch, or call model.eval() for single samples",
        );
      }
      const mean = x.mean(axes, true);
      const centred = x.sub(mean);
      const variance = centred.square().mean(axes, true);
      y = centred.div(variance.add(this.eps).sqrt());
      if (this.training) this.#track(mean, variance, count);
    } else {
      const std = this.runningVar.add(this.eps).sqrt();
      y = x.sub(perFeature(this.runningMean)).div(perFeature(std));
    }
    if (this.weight) y = y.mul(perFeature(this.weight));
    if (this.bias) y = y.add(perFeature(this.bias));
    return y;
  }

  /** Running statistics: r ← (1 − m)·r + m·batch, with the unbiased variance, as PyTorch. */
  #track(mean: Tensor, variance: Tensor, count: number): void {
    const [rm, rv, n] = [this.runningMean, this.runningVar, this.numBatchesTracked];
    if (!rm || !rv || !n) return;
    const unbiased = noGrad(() => variance.mul(count / (count - 1)));
    updateRunningStats(rm, rv, n, mean, unbiased, this.momentum, true);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}
