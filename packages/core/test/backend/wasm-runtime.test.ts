import { Generator, getNumThreads, referenceBackend, setNumThreads } from "@tensortape/core";
import { expect, test } from "vitest";
import { matmulFloat, matmulRuntime } from "../../src/backend/wasm/matmul.js";
import {
  createRuntime,
  decodeBase64,
  getLocalRuntime,
  getRuntime,
} from "../../src/backend/wasm/runtime.js";
import { compareSimd, reluSimd } from "../../src/backend/wasm/simd-elementwise.js";
import { getPool, threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { absolute, expectWithin, randomF32 } from "./kernel-check.js";

test("the kernels built for a private memory (browsers without SharedArrayBuffer) compute the same", () => {
  const runtime = createRuntime(false);
  expect(runtime?.shared).toBe(false);
  const generator = new Generator(3);
  const [m, k, n] = [67, 300, 45];
  const a = randomF32(k * m, generator);
  const b = randomF32(n * k, generator);
  const args = { aOffsets: [0], bOffsets: [0], m, k, n, transA: true, transB: true };
  const out = new Float32Array(m * n);
  const expected = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  // Large enough to be split over threads, which a private memory cannot be: one thread runs.
  expect(matmulFloat(runtime!, [a, b, out], args)).toBe(true);
  referenceBackend.matmul(a, b, expected, args);
  referenceBackend.matmul(absolute(a), absolute(b), scale, args);
  expectWithin(out, expected, (i) => (k + 2) * 2 ** -23 * scale[i]!, "private-memory matmul");

  const x = randomF32(2000, generator);
  const relu = new Float32Array(2000);
  expect(reluSimd(runtime!, x, relu)).toBe(true);
  expect(Array.from(relu)).toEqual(Array.from(x, (v) => Math.max(v, 0)));
  const positive = new Uint8Array(2000);
  const view = { data: x, offset: 0, strides: [1] };
  const zero = { data: Float32Array.of(0), offset: 0, strides: [0] };
  expect(compareSimd(runtime!, "gt", view, zero, positive, [2000])).toBe(true);
  expect(Array.from(positive)).toEqual(Array.from(x, (v) => (v > 0 ? 1 : 0)));
});

test("decodeBase64 reads every padding length", () => {
  expect(Array.from(decodeBase64("AAEC/w=="))).toEqual([0, 1, 2, 255]);
  expect(Array.from(decodeBase64("AAECAw=="))).toEqual([0, 1, 2, 3]);
  expect(Array.from(decodeBase64("AAECAwQ="))).toEqual([0, 1, 2, 3, 4]);
  expect(Array.from(decodeBase64("AAECAwQF"))).toEqual([0, 1, 2, 3, 4, 5]);
  expect(Array.from(decodeBase64(""))).toEqual([]);
});

test("a slice that fails in a worker is rerun on the calling thread, whose error surfaces", () => {
  threadTesting.cores = 2;
  setNumThreads(2);
  const runtime = getRuntime()!;
  const pool = getPool(runtime)!;
  expect(pool.size).toBe(1);
  runtime.reset();
  const scratch = runtime.allocate(1 << 20);
  // One 1×1×1 product: A = B = the float at `scratch`, C and the offsets after it.
  const slice = (c: number) =>
    [scratch, scratch, c, scratch + 64, 0, 1, 1, 1, 1, 0, 0].concat([
      0,
      1,
      0,
      1,
      scratch + 4096,
      scratch + 8192,
    ]);
  runtime.f32[scratch >> 2] = 3;
  runtime.i32.fill(0, (scratch + 64) >> 2, (scratch + 72) >> 2);
  // C far past the end of memory traps, in the worker and then again here.
  expect(() => pool.run("matmulBatchF32", [slice(scratch + 128), slice(2 ** 31 - 64)])).toThrow(
    /out of bounds/,
  );
  // The pool still works.
  pool.run("matmulBatchF32", [slice(scratch + 128), slice(scratch + 256)]);
  expect(runtime.f32[(scratch + 128) >> 2]).toBe(9);
  expect(runtime.f32[(scratch + 256) >> 2]).toBe(9);
  threadTesting.cores = undefined;
});

test("kernels on the calling thread alone use a private memory; products split over threads, the shared one", () => {
  const shared = getRuntime()!;
  const local = getLocalRuntime()!;
  expect(local.shared).toBe(false);
  if (shared.shared) expect(local).not.toBe(shared);
  const product = (m: number) => ({
    aOffsets: [0],
    bOffsets: [0],
    m,
    k: m,
    n: m,
    transA: false,
    transB: false,
  });
  // Two cores, not busy, whatever this machine is and does.
  threadTesting.cores = 2;
  threadTesting.busy = false;
  setNumThreads(2);
  expect(matmulRuntime(product(16))).toBe(local);
  // Threads need a shared memory (and Node's worker_threads).
  expect(matmulRuntime(product(256))).toBe(getNumThreads() > 1 ? shared : local);
  setNumThreads(1);
  expect(matmulRuntime(product(256))).toBe(local);
  setNumThreads(2);
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
});
