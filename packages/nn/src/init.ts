// Initialisers: each makes a new parameter tensor from the seeded generator, so that the same
// `manualSeed` (or the same `generator`) gives the same model on every machine.
import {
  checkOptions,
  type Generator,
  getDefaultGenerator,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import type { FloatDType } from "./module.js";

/** Options every initialiser takes. */
export interface InitOptions {
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
  /** Default true: initialisers make parameters. */
  readonly requiresGrad?: boolean;
}

/** Makes a tensor of `shape`: what layers take as `weightInit` and `biasInit`. */
export type Initializer = (shape: readonly number[], options: InitOptions) => Tensor;

/** The nonlinearities `calculateGain` knows. */
export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

const INIT_OPTIONS = ["dtype", "generator", "requiresGrad"];
const KAIMING_OPTIONS = [...INIT_OPTIONS, "mode", "nonlinearity", "a"];
const XAVIER_OPTIONS = [...INIT_OPTIONS, "gain"];

function sample(
  shape: readonly number[],
  options: InitOptions,
  draw: (g: Generator) => number,
): Tensor {
  const generator = options.generator ?? getDefaultGenerator();
  const size = shape.reduce((n, d) => n * d, 1);
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = draw(generator);
  return tensor(values, {
    shape,
    dtype: options.dtype ?? "float32",
    requiresGrad: options.requiresGrad ?? true,
  });
}

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear and sigmoid, 5/3
 * for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky relu, 3/4 for selu.
 * @example calculateGain("relu") // 1.4142...
 */
export function calculateGain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu":
      return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
    case "selu":
      return 3 / 4;
    default:
      throw new ValueError("calculateGain", `unknown nonlinearity "${String(nonlinearity)}"`);
  }
}

/**
 * Fan-in and fan-out of a weight stored as [out, in, ...kernel] (PyTorch's layout): in and
 * out times the kernel's size.
 * @example fans([256, 784]) // { fanIn: 784, fanOut: 256 }
 */
export function fans(
  shape: readonly number[],
  op = "fans",
): {
  /** Inputs feeding each output: shape[1] times the kernel's size. */
  fanIn: number;
  /** Outputs each input feeds: shape[0] times the kernel's size. */
  fanOut: number;
} {
  if (shape.length < 2) {
    throw new ShapeError(
      op,
      "fan-in and fan-out need a weight of at least 2 dimensions",
      { shape },
      undefined,
      "initialise biases with uniform, normal, zeros or constant",
    );
  }
  const receptive = shape.slice(2).reduce((n, d) => n * d, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * Samples from U(low, high).
 * @example uniform([3], -0.1, 0.1)
 */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: InitOptions = {},
): Tensor {
  checkOptions("uniform", options, INIT_OPTIONS);
  return sampleUniform(shape, low, high, options);
}

function sampleUniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: InitOptions,
): Tensor {
  return sample(shape, options, (g) => low + (high - low) * g.uniform());
}

/**
 * Samples from N(mean, std²).
 * @example normal([3], 0, 0.02)
 */
export function normal(
  shape: readonly number[],
  mean: number,
  std: number,
  options: InitOptions = {},
): Tensor {
  checkOptions("normal", options, INIT_OPTIONS);
  return sampleNormal(shape, mean, std, options);
}

function sampleNormal(
  shape: readonly number[],
  mean: number,
  std: number,
  options: InitOptions,
): Tensor {
  return sample(shape, options, (g) => mean + std * g.normal());
}

/**
 * Every element `value`.
 * @example constant([4], 0.1)
 */
export function constant(
  shape: readonly number[],
  value: number,
  options: InitOptions = {},
): Tensor {
  checkOptions("constant", options, INIT_OPTIONS);
  return sample(shape, options, () => value);
}

/**
 * All zeros (biases, LayerNorm's shift).
 * @example zeros([10])
 */
export function zeros(shape: readonly number[], options: InitOptions = {}): Tensor {
  checkOptions("zeros", options, INIT_OPTIONS);
  return sample(shape, options, () => 0);
}

/**
 * All ones (LayerNorm's and BatchNorm's scale).
 * @example ones([10])
 */
export function ones(shape: readonly number[], options: InitOptions = {}): Tensor {
  checkOptions("ones", options, INIT_OPTIONS);
  return sample(shape, options, () => 1);
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Preserve the variance of activations ("fanIn", default) or of gradients ("fanOut"). */
  readonly mode?: "fanIn" | "fanOut";
  /** Default "relu". */
  readonly nonlinearity?: Nonlinearity;
  /** The negative slope, for "leakyRelu". */
  readonly a?: number;
}

function kaimingStd(shape: readonly number[], options: KaimingOptions, op: string): number {
  const { fanIn, fanOut } = fans(shape, op);
  const mode = options.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") {
    throw new ValueError(op, `mode must be "fanIn" or "fanOut"; got ${JSON.stringify(mode)}`);
  }
  const fan = mode === "fanIn" ? fanIn : fanOut;
  return calculateGain(options.nonlinearity ?? "relu", options.a ?? 0) / Math.sqrt(fan);
}

/**
 * He (Kaiming) uniform initialisation: U(−b, b) with b = gain·√(3 / fan), so that activations
 * keep their variance through ReLU layers.
 * weight: [out, in]
 * @example kaimingUniform([256, 784])
 */
export function kaimingUniform(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  checkOptions("kaimingUniform", options, KAIMING_OPTIONS);
  const bound = Math.sqrt(3) * kaimingStd(shape, options, "kaimingUniform");
  return sampleUniform(shape, -bound, bound, options);
}

/**
 * He (Kaiming) normal initialisation: N(0, gain² / fan).
 * weight: [out, in]
 * @example kaimingNormal([256, 784], { nonlinearity: "relu" })
 */
export function kaimingNormal(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  checkOptions("kaimingNormal", options, KAIMING_OPTIONS);
  return sampleNormal(shape, 0, kaimingStd(shape, options, "kaimingNormal"), options);
}

/** Options of the Xavier (Glorot) initialisers. */
export interface XavierOptions extends InitOptions {
  /** Default 1. */
  readonly gain?: number;
}

function xavierStd(shape: readonly number[], options: XavierOptions, op: string): number {
  const { fanIn, fanOut } = fans(shape, op);
  return (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Xavier (Glorot) uniform initialisation: U(−b, b) with b = gain·√(6 / (fanIn + fanOut)).
 * weight: [out, in]
 * @example xavierUniform([10, 256])
 */
export function xavierUniform(shape: readonly number[], options: XavierOptions = {}): Tensor {
  checkOptions("xavierUniform", options, XAVIER_OPTIONS);
  const bound = Math.sqrt(3) * xavierStd(shape, options, "xavierUniform");
  return sampleUniform(shape, -bound, bound, options);
}

/**
 * Xavier (Glorot) normal initialisation: N(0, gain²·2 / (fanIn + fanOut)).
 * weight: [out, in]
 * @example xavierNormal([10, 256], { gain: calculateGain("tanh") })
 */
export function xavierNormal(shape: readonly number[], options: XavierOptions = {}): Tensor {
  checkOptions("xavierNormal", options, XAVIER_OPTIONS);
  return sampleNormal(shape, 0, xavierStd(shape, options, "xavierNormal"), options);
}
