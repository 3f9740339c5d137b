/**
 * The kernels' memories give back what a large kernel grew them to once it is no longer
 * needed, with no call from the user: on the next kernel after an idle second, or from an
 * idle timer if no kernel comes.
 */
import { type MatmulArgs, setNumThreads, wasmBackend } from "@tensortape/core";
import { afterEach, expect, test } from "vitest";
import { getLocalRuntime, getRuntime } from "../../src/backend/wasm/runtime.js";
import { getPool, threadTesting } from "../../src/backend/wasm/thread-pool.js";

const MiB = 1 << 20;

afterEach(() => {
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

/** Blocks the calling thread (and so any timer) for `ms`. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ReLU of `n` float32s (the private memory's kernel); checks one value. */
function relu(n: number): void {
  const x = new Float32Array(n).fill(-2);
  x[n - 1] = 3;
  const out = new Float32Array(n);
  wasmBackend.unary("relu", x, out);
  expect([out[0], out[n - 1]]).toEqual([0, 3]);
}

/** A [m, k]·[k, 8] product of ones (split over threads when large); checks C. */
function tallProduct(m: number, k: number): void {
  const args: MatmulArgs = {
    aOffsets: [0],
    bOffsets: [0],
    m,
    k,
    n: 8,
    transA: false,
    transB: false,
  };
  const out = new Float32Array(m * 8);
  wasmBackend.matmul(new Float32Array(m * k).fill(1), new Float32Array(k * 8).fill(0.5), out, args);
  expect([out[0], out[m * 8 - 1]]).toEqual([k / 2, k / 2]);
}

test("a large kernel's memory is replaced by a small one when the next call comes after an idle second", () => {
  const runtime = getLocalRuntime()!;
  relu(24 * MiB); // 96 MiB in the memory
  expect(runtime.byteLength).toBeGreaterThan(96 * MiB);
  // Small kernels right after a large one keep the memory: a loop of large and small
  // kernels does not reallocate on every pass.
  relu(4096);
  expect(runtime.byteLength).toBeGreaterThan(96 * MiB);
  sleepSync(1100); // idle, and the event loop blocked: no timer runs
  relu(4096);
  expect(runtime.byteLength).toBeLessThanOrEqual(2 * MiB);
});

test("with no further kernel, an idle timer gives the memory back", async () => {
  const runtime = getLocalRuntime()!;
  relu(24 * MiB);
  expect(runtime.byteLength).toBeGreaterThan(96 * MiB);
  await sleep(1500);
  expect(runtime.byteLength).toBeLessThanOrEqual(2 * MiB);
  relu(4096);
});

test("the threads' shared memory shrinks too, and the workers move to the new one", async () => {
  threadTesting.cores = 2;
  threadTesting.busy = false;
  setNumThreads(2);
  const runtime = getRuntime()!;
  tallProduct(2048, 64); // warm: the pool starts
  expect(getPool(runtime)!.waitReady(20_000)).toBe(true);
  tallProduct(8192, 2048); // 64 MiB of A
  expect(runtime.byteLength).toBeGreaterThan(64 * MiB);
  await sleep(1500);
  expect(runtime.byteLength).toBeLessThanOrEqual(2 * MiB);
  // The next product gets a pool on the new memory, and its results are right.
  tallProduct(2048, 64);
  const pool = getPool(runtime)!;
  expect(pool.memory).toBe(runtime.memory);
  expect(pool.waitReady(20_000)).toBe(true);
  tallProduct(2048, 64);
});
