import {
  checkOptions,
  formatShape,
  type Generator,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { ones, zeros } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";
import {
  checkEps,
  checkMomentum,
  RUNNING_STATS_NAMES,
  updateRunningStats,
} from "./running-stats.js";

/** Options of `InstanceNorm2d`. */
export interface InstanceNorm2dOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /**
   * Weight of the newest batch in the running statistics. Default 0.1; null leaves them
   * unchanged, as PyTorch's `momentum=None` does for instance norm.
   */
  readonly momentum?: number | null;
  /** Learn a per-channel scale (`weight`) and shift (`bias`). Default false, as PyTorch. */
  readonly affine?: boolean;
  /** Keep running statistics and use them in eval mode. Default false, as PyTorch. */
  readonly trackRunningStats?: boolean;
  /** Dtype of the parameters and buffers. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * Instance normalisation: each channel of each image is normalised over its own spatial
 * positions (mean and biased variance), as in style transfer. With `trackRunningStats` it
 * also keeps running statistics (the batch's average of the per-image means and unbiased
 * variances) and uses them in eval mode; `num_batches_tracked` is kept but, as in PyTorch,
 * never counted. State dict names follow torch.nn.InstanceNorm2d.
 * x: [N, C, H, W] or [C, H, W] → same shape
 * @example new InstanceNorm2d(3).forward(randn([2, 3, 32, 32])).shape // [2, 3, 32, 32]
 */
export class InstanceNorm2d extends Module {
  /** [C], or null without affine (the default). */
  weight: Tensor | null;
  /** Learnable per-channel shift β, shape [C], or null without affine. */
  bias: Tensor | null;
  /** Shape [C]; buffers, or null without trackRunningStats (the default). */
  runningMean: Tensor | null;
  /** Running unbiased variance, shape [C], or null without trackRunningStats. */
  runningVar: Tensor | null;
  /** int32 scalar. */
  numBatchesTracked: Tensor | null;
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance before the square root, for stability. */
  readonly eps: number;
  /** Weight of each new batch's statistics in the running ones; null for a cumulative average. */
  readonly momentum: number | null;

  constructor(numFeatures: number, options: InstanceNorm2dOptions = {}) {
    super();
    checkOptions("InstanceNorm2d", options, [
      "eps",
      "momentum",
      "affine",
      "trackRunningStats",
      "dtype",
      "generator",
    ]);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(
        "InstanceNorm2d",
        `numFeatures must be a positive integer; got ${numFeatures}`,
      );
    }
    this.numFeatures = numFeatures;
    this.eps = checkEps("InstanceNorm2d", options.eps);
    this.momentum = checkMomentum("InstanceNorm2d", options.momentum);
    const init = { dtype: options.dtype, generator: options.generator };
    const affine = options.affine ?? false;
    this.weight = affine ? ones([numFeatures], init) : null;
    this.bias = affine ? zeros([numFeatures], init) : null;
    const track = options.trackRunningStats ?? false;
    const buffer = { ...init, requiresGrad: false };
    this.runningMean = track ? zeros([numFeatures], buffer) : null;
    this.runningVar = track ? ones([numFeatures], buffer) : null;
    this.numBatchesTracked = track ? tensor(0, { dtype: "int32" }) : null;
  }

  override namedMembers(): Member[] {
    return super.namedMembers().map((m) => ({ ...m, name: RUNNING_STATS_NAMES[m.name] ?? m.name }));
  }

  override forward(x: Tensor): Tensor {
    if ((x.rank !== 3 && x.rank !== 4) || x.shape[x.rank - 3] !== this.numFeatures) {
      throw new ShapeError(
        "InstanceNorm2d",
        `expects [N, C, H, W] or [C, H, W] with C = numFeatures = ${this.numFeatures}`,
        { x: x.shape },
      );
    }
    // An unbatched [C, H, W] image is a batch of one.
    if (x.rank === 3) return this.forward(x.unsqueeze(0)).squeeze(0);
    const perChannel = (t: Tensor) => t.reshape([this.numFeatures, 1, 1]);
    const spatial = x.shape[2]! * x.shape[3]!;
    let y: Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      if (spatial < 2) {
        throw new ValueError(
          "InstanceNorm2d",
          `needs more than one spatial position to estimate a variance; got x ${formatShape(x.shape)}`,
        );
      }
      const mean = x.mean([2, 3], true);
      const centred = x.sub(mean);
      const variance = centred.square().mean([2, 3], true);
      y = centred.div(variance.add(this.eps).sqrt());
      if (this.training && this.runningMean && this.runningVar) {
        // The batch's average of each image's statistics; momentum null means 0 here, as
        // PyTorch passes `momentum if momentum is not None else 0.0` to instance_norm.
        updateRunningStats(
          this.runningMean,
          this.runningVar,
          this.numBatchesTracked,
          mean.mean(0),
          variance.mul(spatial / (spatial - 1)).mean(0),
          this.momentum ?? 0,
          false,
        );
      }
    } else {
      const std = this.runningVar.add(this.eps).sqrt();
      y = x.sub(perChannel(this.runningMean)).div(perChannel(std));
    }
    if (this.weight) y = y.mul(perChannel(this.weight));
    if (this.bias) y = y.add(perChannel(this.bias));
    return y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}
