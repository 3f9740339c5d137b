import {
  checkOptions,
  type Generator,
  getDefaultGenerator,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { Module } from "../module.js";

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** Default: the generator seeded by `manualSeed`, read at each call. */
  readonly generator?: Generator;
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the rest
 * are scaled by 1 / (1 − p), so that the expected output equals the input; in eval mode the
 * input passes through unchanged.
 * x: [...S] → [...S]
 * @example
 * const drop = new Dropout(0.5);
 * drop.eval().forward(x); // x itself
 */
export class Dropout extends Module {
  /** Probability of zeroing each element in training. */
  readonly p: number;
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    checkOptions("Dropout", options, ["generator"]);
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new ValueError("Dropout", `p must be a probability in [0, 1]; got ${p}`);
    }
    this.p = p;
    this.#generator = options.generator;
  }

  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const generator = this.#generator ?? getDefaultGenerator();
    const keep = 1 - this.p;
    const scale = keep === 0 ? 0 : 1 / keep;
    const mask = new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.uniform() < keep ? scale : 0;
    return x.mul(
      tensor(mask, {
        shape: x.shape,
        dtype: x.dtype === "float64" ? "float64" : "float32",
        device: x.device,
      }),
    );
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
