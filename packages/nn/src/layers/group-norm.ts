import {
  checkOptions,
  type Generator,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { ones, zeros } from "../init.js";
import { type FloatDType, Module } from "../module.js";
import { checkEps } from "./running-stats.js";

/** Options of `GroupNorm`. */
export interface GroupNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /** Learn a per-channel scale (`weight`, ones) and shift (`bias`, zeros). Default true. */
  readonly affine?: boolean;
  /** Dtype of the parameters. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * Group normalisation: the channels of each sample are split into `numGroups` groups, and
 * each group is normalised over its channels and all spatial positions with its own mean and
 * biased variance, then scaled and shifted per channel. It keeps no running statistics, so
 * it behaves the same in training and eval mode and does not depend on the batch size.
 * State dict names follow torch.nn.GroupNorm: `weight`, `bias`.
 * x: [N, C, ...] → same shape
 * @example new GroupNorm(4, 16).forward(randn([2, 16, 8, 8])).shape // [2, 16, 8, 8]
 */
export class GroupNorm extends Module {
  /** [C], or null without affine. */
  weight: Tensor | null;
  /** Learnable per-channel shift β, shape [C], or null without affine. */
  bias: Tensor | null;
  /** Number of groups the channels are split into. */
  readonly numGroups: number;
  /** Number of channels C, a multiple of numGroups. */
  readonly numChannels: number;
  /** Added to the variance before the square root, for stability. */
  readonly eps: number;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions("GroupNorm", options, ["eps", "affine", "dtype", "generator"]);
    for (const [what, n] of [
      ["numGroups", numGroups],
      ["numChannels", numChannels],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new ValueError("GroupNorm", `${what} must be a positive integer; got ${n}`);
      }
    }
    if (numChannels % numGroups !== 0) {
      throw new ValueError(
        "GroupNorm",
        `numChannels must be divisible by numGroups; got numChannels ${numChannels} and numGroups ${numGroups}`,
      );
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = checkEps("GroupNorm", options.eps);
    const init = { dtype: options.dtype, generator: options.generator };
    const affine = options.affine ?? true;
    this.weight = affine ? ones([numChannels], init) : null;
    this.bias = affine ? zeros([numChannels], init) : null;
  }

  override forward(x: Tensor): Tensor {
    if (x.rank < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(
        "GroupNorm",
        `expects [N, C, ...] with C = numChannels = ${this.numChannels}`,
        { x: x.shape },
      );
    }
    const n = x.shape[0]!;
    // [N, G, C/G · spatial]: each row of the last axis is one group of one sample.
    const groupSize =
      (this.numChannels / this.numGroups) * x.shape.slice(2).reduce((a, d) => a * d, 1);
    const grouped = x.reshape([n, this.numGroups, groupSize]);
    const centred = grouped.sub(grouped.mean(2, true));
    const variance = centred.square().mean(2, true);
    let y = centred.div(variance.add(this.eps).sqrt()).reshape(x.shape);
    // Per-channel [C] tensors broadcast against [N, C, ...] as [C, 1, ...].
    const perChannel = [this.numChannels, ...x.shape.slice(2).map(() => 1)];
    if (this.weight) y = y.mul(this.weight.reshape(perChannel));
    if (this.bias) y = y.add(this.bias.reshape(perChannel));
    return y;
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}`;
  }
}
