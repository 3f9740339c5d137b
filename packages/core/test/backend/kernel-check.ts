/**
 * Helpers for holding the fast backend's kernels to the reference backend: seeded random
 * typed arrays, the float32 error bound of a sum of products, and calls repeated until the
 * thread pool's workers have taken part.
 */
import type { Generator } from "@tensortape/core";
import { expect } from "vitest";
import { getRuntime } from "../../src/backend/wasm/runtime.js";
import { getPool, threadTesting } from "../../src/backend/wasm/thread-pool.js";

/**
 * Waits for the pool's workers to start, then repeats `call` until a worker has run one of
 * its slices, and asserts that one did. Left alone, the caller may take every slice of a call
 * while a sleeping worker wakes, and on a busy two-core machine (the test runner's other
 * files running beside) did so for 3 s of calls in a row; so the calls wait for a worker to
 * claim a slice first (`threadTesting.workersFirst`), and are repeated, at least 50 times and
 * for up to 3 s, should a worker still claim none.
 */
export function untilWorkersRun(call: () => void, label = "slices run by workers"): void {
  const pool = getPool(getRuntime()!)!;
  expect(pool.waitReady(20_000)).toBe(true);
  const before = pool.workerSlices;
  // The caller waits for a worker to claim a slice before it claims any (see threadTesting).
  threadTesting.workersFirst = true;
  try {
    const deadline = performance.now() + 3000;
    for (let n = 0; pool.workerSlices === before && (n < 50 || performance.now() < deadline); n++) {
      call();
    }
  } finally {
    threadTesting.workersFirst = undefined;
  }
  expect(pool.workerSlices, label).toBeGreaterThan(before);
}

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
