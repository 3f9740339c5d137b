/**
 * Helpers for holding the fast backend's kernels to the reference backend: seeded random
 * typed arrays, and the float32 error bound of a sum of products.
 */
import type { Generator } from "@tensortape/core";

/** A seeded float32 array of uniform values in [-1, 1). */
export function randomF32(size: number, generator: Generator): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = 2 * generator.uniform() - 1;
  return out;
}

/**
 * Asserts |actual − expected| ≤ bound elementwise, naming the first element that is off.
 * `bound[i]` is the scale of that element's rounding error (e.g. Σ|a||b| for a dot product).
 */
export function expectWithin(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  bound: (i: number) => number,
  label: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= bound(i))) {
      throw new Error(`${label}: element ${i} is ${a}, expected ${e} (allowed ±${bound(i)})`);
    }
  }
}

/** The elementwise absolute values of an array, as float64. */
export function absolute(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, Math.abs);
}

/** Asserts the arrays hold the same values bit for bit (Object.is), naming the first that differs. */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
