import {
  checkOptions,
  type Generator,
  linear,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { type Activation, activation, activationName } from "../activation.js";
import { type Initializer, uniform } from "../init.js";
import { type FloatDType, Module } from "../module.js";

/** Options of `Dense`. */
export interface DenseOptions {
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
  /** Applied to the output: a name such as "relu", or a function. Default none. */
  readonly activation?: Activation;
  /** Makes the [out, in] weight. Default: PyTorch's Linear, U(−1/√in, 1/√in). */
  readonly weightInit?: Initializer;
  /** Makes the [out] bias. Default: U(−1/√in, 1/√in), as PyTorch's Linear. */
  readonly biasInit?: Initializer;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/** The keys of `DenseOptions`, which `MLP` passes on. */
export const DENSE_OPTIONS = ["bias", "activation", "weightInit", "biasInit", "dtype", "generator"];

/**
 * PyTorch's Linear initialisation: Kaiming-uniform with a = √5, which works out to
 * U(−1/√in, 1/√in). It is the default so that a model ported from PyTorch starts from the
 * same distribution; for deep ReLU stacks pass `weightInit: kaimingNormal` (He).
 */
function defaultInit(inFeatures: number): Initializer {
  const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
  return (shape, options) => uniform(shape, -bound, bound, options);
}

/**
 * A fully connected layer, y = act(x·Wᵀ + b), with the weight stored as [out, in] like
 * torch.nn.Linear (so safetensors files exchange with PyTorch directly) and multiplied with
 * `transB` (no transposed copy).
 * x: [..., in] → [..., out]
 * @example
 * const layer = new Dense(784, 256, { activation: "relu" });
 * layer.forward(randn([32, 784])).shape; // [32, 256]
 */
export class Dense extends Module {
  /** [out, in]. */
  weight: Tensor;
  /** [out], or null without bias. */
  bias: Tensor | null;
  /** Size of each input's last axis. */
  readonly inFeatures: number;
  /** Size of each output's last axis. */
  readonly outFeatures: number;
  /** Applied after the affine map; "identity" when none was given. */
  readonly activation: Activation;
  readonly #activate: (x: Tensor) => Tensor;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    checkOptions("Dense", options, DENSE_OPTIONS);
    for (const [what, n] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new ValueError("Dense", `${what} must be a positive integer; got ${n}`);
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.activation = options.activation ?? "identity";
    this.#activate = activation(this.activation, "Dense");
    const initOptions = { dtype: options.dtype, generator: options.generator };
    this.weight = (options.weightInit ?? defaultInit(inFeatures))(
      [outFeatures, inFeatures],
      initOptions,
    );
    this.bias =
      options.bias === false
        ? null
        : (options.biasInit ?? defaultInit(inFeatures))([outFeatures], initOptions);
  }

  override forward(x: Tensor): Tensor {
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(
        "Dense",
        `the input's last dimension must be inFeatures = ${this.inFeatures}`,
        { x: x.shape, weight: this.weight.shape },
      );
    }
    return this.#activate(linear(x, this.weight, this.bias));
  }

  override extraRepr(): string {
    const act = this.activation === "identity" ? "" : `, ${activationName(this.activation)}`;
    const bias = this.bias ? "" : ", bias=false";
    return `${this.inFeatures} → ${this.outFeatures}${act}${bias}`;
  }
}

/** PyTorch's name for `Dense`. */
export const Linear = Dense;
/** PyTorch's name for `Dense`. */
export type Linear = Dense;
