/**
 * Helpers for holding the WebGPU kernels to the reference backend: seeded random data with
 * special values mixed in, GPU views at nonzero offsets, and comparisons exact or within
 * float32 tolerance.
 */
import type { Generator, StridedView, TypedArray } from "@tensortape/core";
import { expect } from "vitest";
import type { GpuArray } from "../../src/backend/webgpu/gpu-array.js";
import type { WebGpuKernels } from "../../src/backend/webgpu/kernels.js";
import { dtypeOf } from "./device.js";

/** Values that break careless kernels: signed zeros, infinities, NaN, tiny and large. */
export const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2.5,
  -2.5,
  Infinity,
  -Infinity,
  NaN,
  1e-7,
  -3e-5,
  40,
  -40,
];

/** Uniform floats in [lo, hi) with a share of SPECIAL values. */
export function randomFloats(
  size: number,
  generator: Generator,
  lo = -4,
  hi = 4,
  specialShare = 0.15,
): Float32Array {
  return Float32Array.from({ length: size }, () =>
    generator.uniform() < specialShare
      ? SPECIAL[generator.integer(0, SPECIAL.length)]!
      : lo + (hi - lo) * generator.uniform(),
  );
}

/** Integers in [lo, hi), with the int32 extremes mixed in. */
export function randomInts(size: number, generator: Generator, lo = -20, hi = 20): Int32Array {
  return Int32Array.from({ length: size }, () => {
    const u = generator.uniform();
    if (u < 0.03) return 2147483647;
    if (u < 0.06) return -2147483648;
    return generator.integer(lo, hi);
  });
}

/** Random 0/1 bools. */
export function randomBools(size: number, generator: Generator): Uint8Array {
  return Uint8Array.from({ length: size }, () => (generator.uniform() < 0.5 ? 1 : 0));
}

/**
 * Uploads `data` into a GPU array that starts `pad` elements into its buffer (the elements
 * before hold junk), so kernels must honour GpuArray.offset.
 */
export function uploadAt(kernels: WebGpuKernels, data: TypedArray, pad = 3): GpuArray {
  const dtype = dtypeOf(data);
  const whole = kernels.allocate(dtype, data.length + pad);
  const junk = data.constructor as { new (n: number): TypedArray };
  const padded = new junk(data.length + pad);
  padded.fill(dtype === "bool" ? 1 : 77);
  padded.set(data, pad);
  kernels.write(whole, padded);
  return { buffer: whole.buffer, offset: pad, length: data.length, dtype };
}

/** The same strided view over a CPU array and over its GPU copy. */
export function views(
  kernels: WebGpuKernels,
  data: TypedArray,
  offset: number,
  strides: readonly number[],
): { cpu: StridedView; gpu: StridedView<GpuArray> } {
  return {
    cpu: { data, offset, strides },
    gpu: { data: uploadAt(kernels, data), offset, strides },
  };
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Bit-for-bit equality (Object.is: −0 differs from 0, NaN equals NaN). */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      expect.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * |actual − expected| ≤ atol + rtol·|expected| elementwise; NaN must meet NaN, and infinities
 * must be equal. `scale(i)`, when given, replaces |expected| (e.g. Σ|a||b| for a product).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  {
    rtol = 2e-6,
    atol = 1e-7,
    scale,
  }: { rtol?: number; atol?: number; scale?: (i: number) => number } = {},
) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || a === e) continue;
    const bound = atol + rtol * (scale ? scale(i) : Math.abs(e));
    if (Number.isNaN(a) || Number.isNaN(e) || !Number.isFinite(e) || !(Math.abs(a - e) <= bound)) {
      expect.fail(`${label}: element ${i} is ${a}, expected ${e} (allowed ±${bound})`);
    }
  }
}
