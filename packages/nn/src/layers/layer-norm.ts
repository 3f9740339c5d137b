import {
  checkOptions,
  type Generator,
  layerNorm,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { ones, zeros } from "../init.js";
import { type FloatDType, Module } from "../module.js";

/** Options of `LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
  /** Learn a scale (`weight`, ones) and shift (`bias`, zeros). Default true. */
  readonly elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, learn the shift too. Default true. */
  readonly bias?: boolean;
  /** Dtype of the parameters. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * Layer normalisation over the trailing dimensions `normalizedShape`: each sample is shifted
 * to mean 0 and scaled to variance 1 (the biased variance, as PyTorch), then scaled and
 * shifted by the learned `weight` and `bias`. Behaves the same in training and eval mode.
 * x: [..., ...normalizedShape] → same shape
 * @example new LayerNorm(64).forward(randn([8, 64])).shape // [8, 64]
 */
export class LayerNorm extends Module {
  /** [...normalizedShape], or null without affine. */
  weight: Tensor | null;
  /** Learnable elementwise shift β, shaped like normalizedShape, or null without affine. */
  bias: Tensor | null;
  /** The trailing shape each input is normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root, for stability. */
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions("LayerNorm", options, ["eps", "elementwiseAffine", "bias", "dtype", "generator"]);
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ValueError(
        "LayerNorm",
        `normalizedShape must be one or more positive integers; got [${shape.join(", ")}]`,
      );
    }
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    const init = { dtype: options.dtype, generator: options.generator };
    this.weight = affine ? ones(shape, init) : null;
    this.bias = affine && (options.bias ?? true) ? zeros(shape, init) : null;
  }

  override forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (x.rank < k || !shapesEqual(x.shape.slice(x.rank - k), this.normalizedShape)) {
      throw new ShapeError(
        "LayerNorm",
        "the input's trailing dimensions must equal normalizedShape",
        { x: x.shape, normalizedShape: this.normalizedShape },
      );
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}`;
  }
}
