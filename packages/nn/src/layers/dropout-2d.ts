import {
  checkOptions,
  type Generator,
  getDefaultGenerator,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { Module } from "../module.js";

/** Options of `Dropout2d`. */
export interface Dropout2dOptions {
  /** Default: the generator seeded by `manualSeed`, read at each call. */
  readonly generator?: Generator;
}

/**
 * Channel dropout: in training mode each channel of each sample is zeroed whole with
 * probability p and the rest are scaled by 1 / (1 − p); in eval mode the input passes through
 * unchanged. Neighbouring pixels of a feature map are strongly correlated, so dropping single
 * pixels (`Dropout`) barely regularises a convolutional layer; dropping whole maps does.
 * A 3-d input is read as [N, C, L], as PyTorch does today.
 * x: [N, C, H, W] or [N, C, L] → same shape
 * @example new Dropout2d(0.25).eval().forward(x) // x itself
 */
export class Dropout2d extends Module {
  /** Probability of zeroing each whole channel in training. */
  readonly p: number;
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options: Dropout2dOptions = {}) {
    super();
    checkOptions("Dropout2d", options, ["generator"]);
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new ValueError("Dropout2d", `p must be a probability in [0, 1]; got ${p}`);
    }
    this.p = p;
    this.#generator = options.generator;
  }

  override forward(x: Tensor): Tensor {
    if (x.rank !== 3 && x.rank !== 4) {
      throw new ShapeError(
        "Dropout2d",
        "expects [N, C, H, W] (or [N, C, L])",
        { x: x.shape },
        undefined,
        "use Dropout for inputs without channels",
      );
    }
    if (!this.training || this.p === 0) return x;
    const generator = this.#generator ?? getDefaultGenerator();
    const keep = 1 - this.p;
    const scale = keep === 0 ? 0 : 1 / keep;
    // One draw per (sample, channel), broadcast over the spatial axes.
    const [n, c] = [x.shape[0]!, x.shape[1]!];
    const mask = new Float64Array(n * c);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.uniform() < keep ? scale : 0;
    const maskShape = [n, c, ...x.shape.slice(2).map(() => 1)];
    return x.mul(
      tensor(mask, {
        shape: maskShape,
        dtype: x.dtype === "float64" ? "float64" : "float32",
        device: x.device,
      }),
    );
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
