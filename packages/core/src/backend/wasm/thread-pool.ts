/**
 * Worker threads that run slices of a kernel on the shared WebAssembly memory, so that one
 * synchronous kernel call uses every core: the calling thread posts a slice to each worker,
 * computes its own slice, and waits for the others (fork/join with Atomics). Node only; in
 * a browser (or without SharedArrayBuffer) everything runs on the calling thread.
 *
 * Workers are created on first use, are unref'd so they never keep a process alive, and
 * spin briefly after each slice before sleeping, since training calls kernels back to back.
 */
import { ValueError } from "../../errors.js";
import { getRuntime, type KernelRuntime } from "./runtime.js";

/** The part of node:worker_threads' Worker the pool uses. */
interface WorkerLike {
  unref(): void;
  on(event: "error", listener: (error: unknown) => void): void;
  terminate(): Promise<number>;
}

interface WorkerThreadsLike {
  Worker: new (
    code: string,
    options: { eval: true; workerData: unknown; execArgv: string[] },
  ) => WorkerLike;
}

interface ProcessLike {
  getBuiltinModule?(id: string): unknown;
}

/** Int32 fields of one worker's slot in the control array. */
const SEQ = 0; // bumped by the caller to post a slice
const DONE = 1; // set to SEQ by the worker when the slice is done
const FAILED = 2; // set to SEQ by the worker when the slice threw
const STATE = 3; // BOOTING or READY
const KERNEL = 4; // index into KERNELS
const ARGS = 5; // the number of int32 arguments, then the arguments
const SLOT = 32;
const BOOTING = 0;
const READY = 1;

/** Kernels a worker can run, by index. */
const KERNELS = ["matmulBatchF32", "matmulBatchF64"] as const;
export type ParallelKernel = (typeof KERNELS)[number];

/** How long the first parallel call waits for workers to start before computing alone. */
const BOOT_TIMEOUT_MS = 10_000;

/**
 * How long a worker polls for the next slice before it sleeps in Atomics.wait. Training
 * calls large kernels a few hundred microseconds apart (the small ops of a step run in
 * between), and waking a sleeping thread costs tens to a hundred microseconds, measured as
 * 15 % of a small MLP step on two threads; polling for a millisecond keeps the worker awake
 * across a step, as OpenMP runtimes do by default. The caller polls for about 10 µs only
 * before it sleeps: when the machine is busy and both threads share one core, its polling
 * only delays the worker it waits for.
 */
const WORKER_SPIN_MS = 1;
const CALLER_SPIN = 1000;

// Runs in each worker, evaluated from this string so there is no file to find. It may run as
// CommonJS or as an ES module (the parent's --input-type), so it imports nothing.
const workerSource = `
const { workerData } = process.getBuiltinModule("node:worker_threads");
const { module, memory, control, slot, kernels } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const base = slot * ${SLOT};
Atomics.store(control, base + ${STATE}, ${READY});
Atomics.notify(control, base + ${STATE});
let seen = 0;
for (;;) {
  const sleepAt = performance.now() + ${WORKER_SPIN_MS};
  while (Atomics.load(control, base + ${SEQ}) === seen && performance.now() < sleepAt) {
    for (let i = 0; i < 100 && Atomics.load(control, base + ${SEQ}) === seen; i++);
  }
  Atomics.wait(control, base + ${SEQ}, seen);
  seen = Atomics.load(control, base + ${SEQ});
  try {
    const count = control[base + ${ARGS}];
    const args = Array.from(control.subarray(base + ${ARGS} + 1, base + ${ARGS} + 1 + count));
    exports[kernels[control[base + ${KERNEL}]]](...args);
  } catch {
    Atomics.store(control, base + ${FAILED}, seen);
  }
  Atomics.store(control, base + ${DONE}, seen);
  Atomics.notify(control, base + ${DONE});
}
`;

function nodeWorkerThreads(): WorkerThreadsLike | undefined {
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (typeof proc?.getBuiltinModule !== "function") return undefined;
  return proc.getBuiltinModule("node:worker_threads") as WorkerThreadsLike | undefined;
}

/** The number of logical cores: os.availableParallelism in Node, hardwareConcurrency elsewhere. */
export function coreCount(): number {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?(): number } | undefined;
  if (os?.availableParallelism) return os.availableParallelism();
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Worker threads bound to one kernel runtime. */
export class ThreadPool {
  readonly #runtime: KernelRuntime;
  readonly #control: Int32Array;
  readonly #workers: WorkerLike[] = [];
  readonly #posted: number[] = [];
  #ready = false;

  private constructor(runtime: KernelRuntime, workers: number, threads: WorkerThreadsLike) {
    this.#runtime = runtime;
    this.#control = new Int32Array(new SharedArrayBuffer(workers * SLOT * 4));
    for (let slot = 0; slot < workers; slot++) {
      const worker = new threads.Worker(workerSource, {
        eval: true,
        workerData: {
          module: runtime.module,
          memory: runtime.memory,
          control: this.#control,
          slot,
          kernels: KERNELS,
        },
        // Not the parent's flags: a loader such as tsx would only slow the start.
        execArgv: [],
      });
      // A worker that dies before it is ready leaves its slot BOOTING: the first run then
      // times out and computes alone. Listening keeps the death from crashing the process.
      worker.on("error", () => {});
      worker.unref();
      this.#workers.push(worker);
      this.#posted.push(0);
    }
  }

  /** A pool of `workers` threads for `runtime`, or null where threads are unavailable. */
  static create(runtime: KernelRuntime, workers: number): ThreadPool | null {
    const threads = nodeWorkerThreads();
    if (!threads || !runtime.shared || workers < 1) return null;
    return new ThreadPool(runtime, workers, threads);
  }

  /** Worker threads in the pool (the calling thread makes one more). */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Runs `kernel` once per argument list, the first on the calling thread and the rest on
   * the workers, and returns when all are done.
   */
  run(kernel: ParallelKernel, slices: readonly (readonly number[])[]): void {
    const control = this.#control;
    const run = this.#runtime.exports[kernel] as (...args: number[]) => void;
    if (!this.#waitReady()) {
      for (const args of slices) run(...args);
      return;
    }
    const id = KERNELS.indexOf(kernel);
    for (let w = 1; w < slices.length; w++) {
      const base = (w - 1) * SLOT;
      const args = slices[w]!;
      control[base + KERNEL] = id;
      control[base + ARGS] = args.length;
      for (let i = 0; i < args.length; i++) control[base + ARGS + 1 + i] = args[i]!;
      const seq = ++this.#posted[w - 1]!;
      Atomics.store(control, base + SEQ, seq);
      Atomics.notify(control, base + SEQ);
    }
    run(...slices[0]!);
    for (let w = 1; w < slices.length; w++) {
      const base = (w - 1) * SLOT;
      const seq = this.#posted[w - 1]!;
      for (let i = 0; i < CALLER_SPIN && Atomics.load(control, base + DONE) !== seq; i++);
      while (Atomics.load(control, base + DONE) !== seq)
        Atomics.wait(control, base + DONE, seq - 1);
      // A slice that threw in a worker runs again here, where its error reaches the caller.
      if (Atomics.load(control, base + FAILED) === seq) run(...slices[w]!);
    }
  }

  /**
   * Blocks until every worker has instantiated the kernels (only the first run waits); false
   * if one has not started within BOOT_TIMEOUT_MS, in which case the caller computes alone.
   */
  #waitReady(): boolean {
    if (this.#ready) return true;
    for (let w = 0; w < this.#workers.length; w++) {
      const at = w * SLOT + STATE;
      Atomics.wait(this.#control, at, BOOTING, BOOT_TIMEOUT_MS);
      if (Atomics.load(this.#control, at) !== READY) return false;
    }
    this.#ready = true;
    return true;
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.#workers) void worker.terminate();
  }
}

let requested: number | undefined;
let pool: ThreadPool | null | undefined;

/** Whether kernels can use worker threads here (Node with SharedArrayBuffer). */
export function threadsSupported(runtime: KernelRuntime): boolean {
  return runtime.shared && nodeWorkerThreads() !== undefined;
}

/**
 * Sets how many threads (the calling one included) large kernels of the WebAssembly
 * backend use; the default is every core. 1 computes on the calling thread alone.
 * @example setNumThreads(1) // reproducible single-core timings
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ValueError("setNumThreads", `expects a positive integer; got ${threads}`);
  }
  requested = threads;
  pool?.close();
  pool = undefined;
}

/**
 * The number of threads large kernels use: the value given to `setNumThreads`, else every
 * core; 1 where threads are unavailable (a browser, or no SharedArrayBuffer).
 * @example getNumThreads() // 2 on a two-core machine
 */
export function getNumThreads(): number {
  const runtime = getRuntime();
  if (!runtime || !threadsSupported(runtime)) return 1;
  return requested ?? coreCount();
}

/**
 * The pool for the current thread count, created on first use; null for one thread, and for
 * any runtime but the backend's own (the workers share that one's memory).
 */
export function getPool(runtime: KernelRuntime): ThreadPool | null {
  if (runtime !== getRuntime()) return null;
  if (pool !== undefined) return pool;
  const threads = getNumThreads();
  pool = threads > 1 ? ThreadPool.create(runtime, threads - 1) : null;
  return pool;
}
