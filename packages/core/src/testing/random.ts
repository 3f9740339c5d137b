import { tensor } from "../creation.js";
import type { DeviceName } from "../device.js";
import type { DType } from "../dtype.js";
import { checkOptions } from "../errors.js";
import { Generator } from "../random.js";
import type { Tensor } from "../tensor.js";

/** The seed, dtype, range and kink avoidance of `randomTensor`. */
export interface RandomTensorOptions {
  /** Seed of the generator, so the same options give the same tensor. Default 0. */
  readonly seed?: number;
  /** Default float64, so finite differences are accurate. */
  readonly dtype?: DType;
  /** Lower bound of the uniform distribution. Default -2. */
  readonly low?: number;
  /** Upper bound of the uniform distribution. Default 2. */
  readonly high?: number;
  /** Keep every value at least this far from each point in `kinks` (for relu, abs, max...). */
  readonly awayFrom?: readonly number[];
  /** The least distance from each point in `awayFrom`. Default 0.05. */
  readonly margin?: number;
  /** Make the tensor a leaf that records gradients. Default false. */
  readonly requiresGrad?: boolean;
  /**
   * Where the tensor lives. Default the CPU whatever `setBackend` chose, since the default
   * float64 lives nowhere else; pass "webgpu" with dtype float32 for a GPU tensor.
   */
  readonly device?: DeviceName;
}

/** A reproducible uniform random tensor for tests, optionally kept away from kinks. */
export function randomTensor(shape: readonly number[], options: RandomTensorOptions = {}): Tensor {
  checkOptions("randomTensor", options, [
    "seed",
    "dtype",
    "low",
    "high",
    "awayFrom",
    "margin",
    "requiresGrad",
    "device",
  ]);
  const generator = new Generator(options.seed ?? 0);
  const low = options.low ?? -2;
  const high = options.high ?? 2;
  const margin = options.margin ?? 0.05;
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    let v = low + (high - low) * generator.uniform();
    while (options.awayFrom?.some((k) => Math.abs(v - k) < margin))
      v = low + (high - low) * generator.uniform();
    values[i] = v;
  }
  return tensor(values, {
    shape,
    dtype: options.dtype ?? "float64",
    requiresGrad: options.requiresGrad ?? false,
    device: options.device ?? "cpu",
  });
}
