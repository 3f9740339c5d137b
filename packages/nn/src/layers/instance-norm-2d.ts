import { formatShape, type Generator, ShapeError, type Tensor, ValueError } from "@tensortape/core";
import type { FloatDType } from "../module.js";
import { NormBase, updateRunningStats } from "./running-stats.js";

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
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, options: InstanceNorm2dOptions = {}) {
    super("InstanceNorm2d", numFeatures, options, { affine: false, trackRunningStats: false });
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
