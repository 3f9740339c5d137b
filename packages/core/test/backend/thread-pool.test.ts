/**
 * The worker pool of the WebAssembly backend: a slice runs exactly once whatever the timing,
 * workers that cannot start leave the calling thread computing (with one warning), the pool
 * never runs more threads than cores or than a product's size repays, and results are the
 * same bits on any number of threads.
 */
import { Worker } from "node:worker_threads";
import {
  Generator,
  getNumThreads,
  type MatmulArgs,
  setNumThreads,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { matmulRuntime } from "../../src/backend/wasm/matmul.js";
import { getLocalRuntime, getRuntime } from "../../src/backend/wasm/runtime.js";
import {
  closePool,
  getPool,
  threadTesting,
  type WorkerFactory,
  type WorkerLike,
} from "../../src/backend/wasm/thread-pool.js";
import { randomF32, untilWorkersRun } from "./kernel-check.js";

const realWorker: WorkerFactory = (code, options) => new Worker(code, options);

/** Node's worker factory, recording the control array each worker is given. */
function recordingFactory(controls: Int32Array[]): WorkerFactory {
  return (code, options) => {
    controls.push((options.workerData as { control: Int32Array }).control);
    return realWorker(code, options);
  };
}

beforeEach(() => {
  // Pools of several workers whatever this machine has, and busy or not.
  threadTesting.cores = 4;
  threadTesting.busy = false;
});

afterEach(() => {
  threadTesting.workerFactory = undefined;
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  vi.restoreAllMocks();
  setNumThreads(2);
});

/** Blocks the calling thread for `ms` (the tests below need the worker to fall asleep). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A 1×1×1 product slice reading A = B = the float at `scratch` and writing C at `c`. */
function unitSlice(scratch: number, c: number): number[] {
  return [scratch, scratch, c, scratch + 64, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1].concat([
    scratch + 4096,
    scratch + 8192,
  ]);
}

test("a notify that arrives after its job is done does not run the job's slice again", () => {
  const controls: Int32Array[] = [];
  threadTesting.workerFactory = recordingFactory(controls);
  setNumThreads(2);
  const runtime = getRuntime()!;
  const pool = getPool(runtime)!;
  expect(pool.waitReady(20_000)).toBe(true);
  runtime.reset();
  const scratch = runtime.allocate(1 << 16);
  runtime.f32[scratch >> 2] = 3;
  runtime.i32.fill(0, (scratch + 64) >> 2, (scratch + 72) >> 2);
  const [c1, c2] = [scratch + 128, scratch + 256];
  // Until the worker has taken a slice itself, the caller may have taken both.
  for (let i = 0; i < 1000; i++) {
    runtime.f32[c1 >> 2] = 0;
    runtime.f32[c2 >> 2] = 0;
    pool.run("matmulBatchF32", [unitSlice(scratch, c1), unitSlice(scratch, c2)]);
    expect([runtime.f32[c1 >> 2], runtime.f32[c2 >> 2]]).toEqual([9, 9]);
  }
  // The caller moves on and reuses the memory: a slice run again now would write 25.
  runtime.f32[scratch >> 2] = 5;
  // The notify of a caller that was descheduled between publishing the job and notifying
  // reaches the worker once it sleeps on the word it waits on (the first of the control
  // array, in this pool and in the one before it).
  const control = controls[0]!;
  let woken = 0;
  for (let i = 0; i < 2000 && woken === 0; i++) {
    sleepSync(1);
    woken = Atomics.notify(control, 0, 1);
  }
  expect(woken).toBe(1);
  sleepSync(200);
  expect([runtime.f32[c1 >> 2], runtime.f32[c2 >> 2]]).toEqual([9, 9]);
});

test("a slice that throws on the calling thread still waits for the workers' slices", () => {
  setNumThreads(2);
  const runtime = getRuntime()!;
  const pool = getPool(runtime)!;
  expect(pool.waitReady(20_000)).toBe(true);
  runtime.reset();
  const scratch = runtime.allocate(1 << 20);
  runtime.f32[scratch >> 2] = 3;
  runtime.i32.fill(0, (scratch + 64) >> 2, (scratch + 72) >> 2);
  // C far past the end of memory traps, on whichever thread runs it; the error surfaces.
  const bad = unitSlice(scratch, 2 ** 31 - 64);
  expect(() => pool.run("matmulBatchF32", [bad, unitSlice(scratch, scratch + 128)])).toThrow(
    /out of bounds/,
  );
  expect(() => pool.run("matmulBatchF32", [unitSlice(scratch, scratch + 128), bad])).toThrow(
    /out of bounds/,
  );
  // The pool still works.
  pool.run("matmulBatchF32", [
    unitSlice(scratch, scratch + 128),
    unitSlice(scratch, scratch + 256),
  ]);
  expect(runtime.f32[(scratch + 128) >> 2]).toBe(9);
  expect(runtime.f32[(scratch + 256) >> 2]).toBe(9);
});

/** A batch of `batch` products of `m`·`k`·`n` with seeded operands; its float32 result. */
function product(m: number, k: number, n: number, transB = false, batch = 1): Float32Array {
  const generator = new Generator(m * 31 + k * 7 + n + batch * 1013);
  const a = randomF32(batch * m * k, generator);
  const b = randomF32(batch * k * n, generator);
  const out = new Float32Array(batch * m * n);
  const offsets = (size: number) => Array.from({ length: batch }, (_, p) => p * size);
  const args: MatmulArgs = {
    aOffsets: offsets(m * k),
    bOffsets: offsets(k * n),
    m,
    k,
    n,
    transA: transB,
    transB,
  };
  wasmBackend.matmul(a, b, out, args);
  return out;
}

/** The first index where the two arrays' bits differ (or their lengths do), else -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

test("1 to 4 threads give the same bits, with every worker started", () => {
  // Split by rows, by columns, and by whole products into more slices than threads (an odd
  // batch, so the slices differ in size).
  const shapes: [number, number, number, boolean, number][] = [
    [301, 517, 67, true, 1],
    [45, 390, 333, false, 1],
    [257, 256, 255, false, 1],
    [67, 96, 45, true, 13],
    [40, 200, 72, false, 3],
  ];
  setNumThreads(1);
  const expected = shapes.map(([m, k, n, t, batch]) => product(m, k, n, t, batch));
  for (const threads of [2, 3, 4]) {
    setNumThreads(threads);
    const pool = getPool(getRuntime()!)!;
    expect(pool.waitReady(20_000)).toBe(true);
    const before = pool.workerSlices;
    shapes.forEach(([m, k, n, t, batch], i) => {
      const label = `${threads} threads, ${batch}×${m}×${k}×${n}`;
      expect(firstDifference(product(m, k, n, t, batch), expected[i]!), label).toBe(-1);
    });
    expect(pool.workerSlices).toBeGreaterThan(before);
  }
});

/** Layer norm of rows × cols float32 values whose rows vary by less than eps: out, x̂, rstd. */
function layerNormRows(rows: number, cols: number): Float32Array[] {
  const generator = new Generator(rows + cols);
  const noise = randomF32(rows * cols, generator);
  // Rows at 1 + 1e-3·noise: a variance near 1e-7, which eps = 1e-5 dominates.
  const x = noise.map((v) => 1 + 1e-3 * v);
  const weight = randomF32(cols, generator);
  const bias = randomF32(cols, generator);
  const [out, xhat, rstd] = [rows * cols, rows * cols, rows].map((n) => new Float32Array(n));
  wasmBackend.layerNorm(x, rows, cols, weight, bias, 1e-5, out!, xhat!, rstd!);
  return [out!, xhat!, rstd!];
}

test("a slice's arguments reach the workers exactly: layer norm's epsilon, split over threads", () => {
  // Arguments that are not integers (eps) once reached the workers truncated to 0 (an
  // Int32Array), so rows the workers normalised differed from the calling thread's.
  setNumThreads(1);
  const expected = layerNormRows(512, 256);
  for (const threads of [2, 4]) {
    setNumThreads(threads);
    untilWorkersRun(() => {
      layerNormRows(512, 256).forEach((values, i) => {
        const label = `${threads} threads, output ${i}`;
        expect(firstDifference(values, expected[i]!), label).toBe(-1);
      });
    }, `${threads} threads`);
  }
});

test("a slice of more arguments than the pool passes is refused, naming the kernel", () => {
  setNumThreads(2);
  const pool = getPool(getRuntime()!)!;
  expect(pool.waitReady(20_000)).toBe(true);
  const slice = Array.from({ length: 24 }, () => 0);
  expect(() => pool.run("layerNormF32", [slice, slice])).toThrow(
    /at most 23 arguments per slice; got 24 for layerNormF32/,
  );
});

test("a job of more slices than threads runs every slice, and more than MAX_SLICES is refused", () => {
  setNumThreads(2);
  const runtime = getRuntime()!;
  const pool = getPool(runtime)!;
  expect(pool.waitReady(20_000)).toBe(true);
  for (let round = 0; round < 50; round++) {
    runtime.reset();
    const scratch = runtime.allocate(1 << 20);
    const outputs = runtime.allocate(64 * 256);
    runtime.f32[scratch >> 2] = 3;
    runtime.i32.fill(0, (scratch + 64) >> 2, (scratch + 72) >> 2);
    runtime.f32.fill(-1, outputs >> 2, (outputs + 64 * 256) >> 2);
    // Slice s writes A·B = 9 into its own padded tile of C, 256 bytes apart.
    const slices = Array.from({ length: 64 }, (_, s) => unitSlice(scratch, outputs + 256 * s));
    pool.run("matmulBatchF32", slices);
    for (let s = 0; s < 64; s++) expect(runtime.f32[(outputs + 256 * s) >> 2]).toBe(9);
  }
  const tooMany = Array.from({ length: 65 }, () => unitSlice(0, 0));
  expect(() => pool.run("matmulBatchF32", tooMany)).toThrow(/at most 64 slices; got 65/);
});

test("thousands of back-to-back jobs of growing and shrinking slice counts each run every slice once", () => {
  // A worker leaving one job while the next, larger one was being set up could once claim a
  // slice past the old job's end and count it in the new job, whose caller then waited
  // forever. Jobs of alternating small and large counts, back to back, give it every chance.
  setNumThreads(3);
  const runtime = getRuntime()!;
  const pool = getPool(runtime)!;
  expect(pool.waitReady(20_000)).toBe(true);
  runtime.reset();
  const scratch = runtime.allocate(1 << 20);
  const outputs = runtime.allocate(64 * 256);
  runtime.f32[scratch >> 2] = 3;
  runtime.i32.fill(0, (scratch + 64) >> 2, (scratch + 72) >> 2);
  const generator = new Generator(5);
  for (let job = 0; job < 4000; job++) {
    const count = job % 2 === 0 ? 2 + generator.integer(0, 3) : 20 + generator.integer(0, 45);
    runtime.f32.fill(-1, outputs >> 2, (outputs + 64 * 256) >> 2);
    const slices = Array.from({ length: count }, (_, s) => unitSlice(scratch, outputs + 256 * s));
    pool.run("matmulBatchF32", slices);
    for (let s = 0; s < count; s++) {
      if (runtime.f32[(outputs + 256 * s) >> 2] !== 9) {
        expect.fail(`job ${job}: slice ${s} of ${count} was not run before run() returned`);
      }
    }
  }
}, 60_000);

test("setNumThreads accepts any count, but the pool never runs more threads than cores", () => {
  threadTesting.cores = 2;
  setNumThreads(64);
  expect(getNumThreads()).toBe(64);
  expect(getPool(getRuntime()!)!.size).toBe(1);
  threadTesting.cores = 3;
  setNumThreads(64);
  expect(getPool(getRuntime()!)!.size).toBe(2);
});

test("a product too small to repay a second thread runs on the calling thread's private memory", () => {
  setNumThreads(4);
  const args = (m: number, k: number, n: number) => ({
    aOffsets: [0],
    bOffsets: [0],
    m,
    k,
    n,
    transA: false,
    transB: false,
  });
  expect(matmulRuntime(args(64, 64, 64))).toBe(getLocalRuntime());
  expect(matmulRuntime(args(96, 96, 96))).toBe(getLocalRuntime());
  expect(matmulRuntime(args(128, 128, 128))).toBe(getRuntime());
  setNumThreads(1);
  expect(matmulRuntime(args(128, 128, 128))).toBe(getLocalRuntime());
});

test("on a busy machine products run on the calling thread alone", () => {
  setNumThreads(4);
  const args = {
    aOffsets: [0],
    bOffsets: [0],
    m: 256,
    k: 256,
    n: 256,
    transA: false,
    transB: false,
  };
  const pool = getPool(getRuntime()!)!;
  expect(pool.waitReady(20_000)).toBe(true);
  expect(matmulRuntime(args)).toBe(getRuntime());
  expect(pool.threads()).toBe(4);
  const expected = product(256, 256, 256);
  threadTesting.busy = true;
  expect(matmulRuntime(args)).toBe(getLocalRuntime());
  expect(pool.threads()).toBe(1);
  const slices = pool.workerSlices;
  expect(firstDifference(product(256, 256, 256), expected)).toBe(-1);
  expect(pool.workerSlices).toBe(slices);
});

/** A stand-in worker that records whether it was terminated and can emit an error. */
class FakeWorker implements WorkerLike {
  terminated = false;
  #listeners: ((error: unknown) => void)[] = [];
  unref(): void {}
  on(_event: "error", listener: (error: unknown) => void): void {
    this.#listeners.push(listener);
  }
  emit(error: unknown): void {
    for (const listener of this.#listeners) listener(error);
  }
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(1);
  }
}

function initFailed(): Error {
  return Object.assign(new Error("Worker initialization failure: EAGAIN"), {
    code: "ERR_WORKER_INIT_FAILED",
  });
}

test("workers that cannot start leave the calling thread computing, with one warning naming the cause", () => {
  setNumThreads(1);
  const expected = product(200, 300, 150);
  const started: FakeWorker[] = [];
  threadTesting.workerFactory = () => {
    if (started.length === 1) throw initFailed();
    const worker = new FakeWorker();
    started.push(worker);
    return worker;
  };
  const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
  threadTesting.warned = false;
  closePool();
  setNumThreads(3);
  expect(firstDifference(product(200, 300, 150), expected)).toBe(-1);
  expect(firstDifference(product(200, 300, 150), expected)).toBe(-1);
  // The worker that did start is stopped, and the process is told once.
  expect(started.map((w) => w.terminated)).toEqual([true]);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]![0])).toMatch(/ERR_WORKER_INIT_FAILED/);
  // Products now run on the calling thread's private memory, which copies faster.
  expect(
    matmulRuntime({
      aOffsets: [0],
      bOffsets: [0],
      m: 200,
      k: 300,
      n: 150,
      transA: false,
      transB: false,
    }),
  ).toBe(getLocalRuntime());
});

test("a worker that reports an error while starting stops the pool from using threads", () => {
  setNumThreads(1);
  const expected = product(200, 300, 150);
  const workers: FakeWorker[] = [];
  threadTesting.workerFactory = () => {
    const worker = new FakeWorker();
    workers.push(worker);
    return worker;
  };
  vi.spyOn(process, "emitWarning").mockImplementation(() => {});
  setNumThreads(3);
  // Not started yet: the caller computes alone rather than waiting.
  expect(firstDifference(product(200, 300, 150), expected)).toBe(-1);
  workers[0]!.emit(initFailed());
  expect(workers.map((w) => w.terminated)).toEqual([true, true]);
  expect(getPool(getRuntime()!)).toBeNull();
  expect(firstDifference(product(200, 300, 150), expected)).toBe(-1);
});
