import { formatShape, type Generator, ShapeError, type Tensor, ValueError } from "@tensortape/core";
import type { FloatDType } from "../module.js";
import { NormBase, updateRunningStats } from "./running-stats.js";

/** Options of `BatchNorm2d`. */
export interface BatchNorm2dOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /**
   * Weight of the newest batch in the running statistics. Default 0.1; null for a cumulative
   * average (each batch weighted 1 / num_batches_tracked), as PyTorch's `momentum=None`.
   */
  readonly momentum?: number | null;
  /** Learn a per-channel scale (`weight`, ones) and shift (`bias`, zeros). Default true. */
  readonly affine?: boolean;
  /** Keep running statistics for eval mode. Default true; without, eval uses batch statistics. */
  readonly trackRunningStats?: boolean;
  /** Dtype of the parameters and buffers. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * Batch normalisation of images: each channel is normalised over the batch and both spatial
 * axes. In training mode it uses the batch's mean and biased variance and updates the running
 * statistics (mean, and unbiased variance) with `momentum`; in eval mode it uses the running
 * statistics. State dict names follow torch.nn.BatchNorm2d: `weight`, `bias`, `running_mean`,
 * `running_var`, `num_batches_tracked`.
 * x: [N, C, H, W] → [N, C, H, W]
 * @example new BatchNorm2d(16).forward(randn([8, 16, 28, 28])).shape // [8, 16, 28, 28]
 */
export class BatchNorm2d extends NormBase {
  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super("BatchNorm2d", numFeatures, options, { affine: true, trackRunningStats: true });
  }

  override forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        "BatchNorm2d",
        `expects [N, C, H, W] with C = numFeatures = ${this.numFeatures}`,
        { x: x.shape },
      );
    }
    // Per-channel [C] tensors broadcast against [N, C, H, W] as [C, 1, 1].
    const perChannel = (t: Tensor) => t.reshape([this.numFeatures, 1, 1]);
    const axes = [0, 2, 3];
    const count = x.size / this.numFeatures;
    let y: Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      if (this.training && count < 2) {
        throw new ValueError(
          "BatchNorm2d",
          `training needs more than one value per channel to estimate a variance; got x ${formatShape(x.shape)}`,
          "use a larger batch or image, or call model.eval() for single samples",
        );
      }
      const mean = x.mean(axes, true);
      const centred = x.sub(mean);
      const variance = centred.square().mean(axes, true);
      y = centred.div(variance.add(this.eps).sqrt());
      if (this.training && this.runningMean && this.runningVar) {
        updateRunningStats(
          this.runningMean,
          this.runningVar,
          this.numBatchesTracked,
          mean,
          variance.mul(count / (count - 1)),
          this.momentum,
          true,
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
