/**
 * Worker threads that run slices of a kernel on the shared WebAssembly memory, so that one
 * synchronous kernel call can use several cores (fork/join with Atomics): Node's worker threads,
 * or Web Workers in a browser page that is cross-origin isolated. Without SharedArrayBuffer
 * everything runs on the calling thread.
 *
 * A call is a *job* of slices. The caller writes every slice's arguments, publishes the job,
 * and then it and the workers *claim* slices one at a time by a compare-and-swap on one word
 * that holds the job's number and the next slice's index; the caller returns once every slice
 * is done. A job has several slices per thread, so a worker that wakes late takes fewer of
 * them and the caller waits at most for the slices in flight. So nothing waits for a worker
 * that is asleep, still booting or descheduled on a busy machine: whatever the workers have
 * not claimed the caller computes itself, and since a slice computes the same elements the
 * same way on any thread, results never depend on who ran what. A worker that wakes late finds the claim word moved on to a later job (or past
 * the last slice) and claims nothing, so it can never run a finished slice again over memory
 * the caller has since reused.
 *
 * Workers start without blocking the caller, which computes alone until they are ready; a
 * worker that cannot start makes the pool fall back to the calling thread for good, with one
 * warning. Workers are unref'd so they never keep a process alive.
 *
 * A browser's main thread may not block in Atomics.wait, so there the caller polls for the
 * workers' last slices instead of sleeping; and a Web Worker started from it begins only once
 * that thread returns to its event loop, which the caller never waits for anyway.
 */
import { ValueError } from "../../errors.js";
import { getRuntime, type KernelRuntime, now, type WasmMemory } from "./runtime.js";

/** The part of node:worker_threads' Worker the pool uses. */
export interface WorkerLike {
  unref(): void;
  on(event: "error", listener: (error: unknown) => void): void;
  terminate(): Promise<number>;
}

/** Options the pool gives each worker. */
export interface WorkerOptions {
  eval: true;
  workerData: unknown;
  execArgv: string[];
}

/**
 * Makes a worker evaluating `code`: node:worker_threads' Worker, a Web Worker (which takes
 * `workerData` as its first message), or a test's stand-in.
 */
export type WorkerFactory = (code: string, options: WorkerOptions) => WorkerLike;

interface ProcessLike {
  getBuiltinModule?(id: string): unknown;
  emitWarning?(warning: string, options: { code: string }): void;
  cpuUsage?(): { user: number; system: number };
}

interface OsLike {
  availableParallelism?(): number;
  cpus?(): { times?: CpuTimes }[];
  loadavg?(): number[];
}

/** Milliseconds a core has spent in the busy states since boot (os.cpus()). */
interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  irq: number;
}

const nodeProcess = () => (globalThis as { process?: ProcessLike }).process;

// Int32 fields of the control array: first the job, then one word per worker and one per slice.
const JOB = 0; // the current job's number: workers sleep on it
const CLAIM = 1; // (job number << 8) | index of the next unclaimed slice
const FINISHED = 2; // slices of the current job done, by any thread
const COUNT = 3; // slices in the current job
const KERNEL = 4; // index into KERNELS
const WORKER_SLICES = 6; // slices the workers have run, for tests and benchmarks
const SPIN = 7; // microseconds a worker polls for the next job before it sleeps (set per job)
// After HEADER: one word per worker (BOOTING or READY); one per slice (1 when that slice threw
// in a worker). Each slice's arguments are in a Float64Array beside it (see ThreadPool.run).
const HEADER = 8;
/** Float64 words per slice in the arguments array: the argument count and at most MAX_ARGS - 1 arguments. */
const MAX_ARGS = 24;
const JOB_MASK = 0x7fffff; // the job number's bits in CLAIM (8 bits of index below them)
const BOOTING = 0;
const READY = 1;

/** At most this many threads take part in one job (the slice index has 8 bits). */
const MAX_THREADS = 255;

/** Kernels a worker can run, by index. */
const KERNELS = [
  "matmulBatchF32",
  "matmulBatchF64",
  "matmulUnfoldBatchF32",
  "matmulFoldBatchF32",
  "softmaxF32",
  "softmaxBackwardF32",
  "im2colF32",
  "col2imF32",
  "windowMaxF32",
  "windowSumF32",
  "unaryF32",
  "geluGradF32",
  "layerNormF32",
  "layerNormBackwardF32",
  "winogradConvF32",
  "winogradWeightF32",
  "attentionF32",
  "attentionBackwardF32",
] as const;
export type ParallelKernel = (typeof KERNELS)[number];

/**
 * How long workers may take to start before the pool gives up on them and computes on the
 * calling thread for good. The caller never waits for them meanwhile; it computes alone.
 */
const BOOT_TIMEOUT_MS = 15_000;

/**
 * How long a worker polls for the next job before it sleeps in Atomics.wait. Training calls
 * large kernels a few hundred microseconds apart (the small ops of a step run in between), and
 * waking a sleeping thread costs tens of microseconds. But a polling worker is a runnable
 * thread: where other processes already keep the cores busy, it takes the caller's share of
 * them while the caller runs the step's small ops, so there (see `machineCrowded`) workers
 * sleep as soon as their job is done. On a machine with more runnable threads than cores the
 * workers get no jobs at all (see `machineBusy`).
 */
const WORKER_SPIN_US = 300;

/**
 * Iterations (about 10 µs) the caller polls for the workers' last slices before it sleeps on
 * a crowded machine: bounded, since when both share one core its polling only delays the
 * worker it waits for.
 */
const CALLER_SPIN = 1000;

/**
 * Otherwise the caller polls for the workers' last slices for up to this many times as long
 * as its own slowest slice of the job took (a worker's slice in flight needs no longer),
 * before it sleeps: a sleeping thread on a virtual machine takes tens to hundreds of
 * microseconds to wake, about as long as a slice.
 */
const CALLER_SPIN_SLICES = 2;

/**
 * Slices a job may have. More slices than threads balance the load: a worker that wakes
 * late (tens to hundreds of microseconds on a virtual machine) or is descheduled takes only
 * the slices still unclaimed, and the caller waits at most for the slices in flight.
 */
export const MAX_SLICES = 64;

/** How often the caller rereads what other processes use, to decide whether the machine is busy. */
const LOAD_CHECK_MS = 500;

// Runs in each worker, evaluated from this string so there is no file to find (a bundler need
// not know of it). It may run as CommonJS or as an ES module (the parent's --input-type), or
// as a classic Web Worker from a blob: URL, so it imports nothing.
const workerSource = `
const start = (workerData) => {
const { module, memory, control, slot, kernels, args: argsArray } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
Atomics.store(control, ${HEADER} + slot, ${READY});
Atomics.notify(control, ${HEADER} + slot);
const failedAt = ${HEADER} + workerData.workers;
let seen = Atomics.load(control, ${JOB});
for (;;) {
  let job = Atomics.load(control, ${JOB});
  if (job === seen) {
    const sleepAt = performance.now() + Atomics.load(control, ${SPIN}) / 1000;
    while (Atomics.load(control, ${JOB}) === seen && performance.now() < sleepAt) {
      for (let i = 0; i < 100 && Atomics.load(control, ${JOB}) === seen; i++);
    }
    // Only a new job number means work: a notify can arrive after its job is long done (the
    // caller was descheduled between publishing the job and notifying).
    while ((job = Atomics.load(control, ${JOB})) === seen) Atomics.wait(control, ${JOB}, seen);
  }
  seen = job;
  for (;;) {
    const claim = Atomics.load(control, ${CLAIM});
    const index = claim & 0xff;
    if (claim >>> 8 !== (job & ${JOB_MASK}) || index >= Atomics.load(control, ${COUNT})) break;
    if (Atomics.compareExchange(control, ${CLAIM}, claim, claim + 1) !== claim) continue;
    // Claimed: the job's kernel and arguments stay put until every slice is finished.
    const at = index * ${MAX_ARGS};
    try {
      const args = Array.from(argsArray.subarray(at + 1, at + 1 + argsArray[at]));
      exports[kernels[control[${KERNEL}]]](...args);
    } catch {
      control[failedAt + index] = 1;
    }
    Atomics.add(control, ${WORKER_SLICES}, 1);
    if (Atomics.add(control, ${FINISHED}, 1) + 1 === control[${COUNT}]) {
      Atomics.notify(control, ${FINISHED});
    }
  }
}
};
if (typeof process === "object" && typeof process.getBuiltinModule === "function") {
  start(process.getBuiltinModule("node:worker_threads").workerData);
} else {
  // A Web Worker: its data comes as the first message. A memory that cannot be received (a
  // page that is not cross-origin isolated) throws here, which the pool hears as an error.
  self.onmessageerror = () => {
    throw new Error("the worker could not receive the shared memory");
  };
  self.onmessage = (event) => start(event.data);
}
`;

function nodeWorkerFactory(): WorkerFactory | undefined {
  const threads = nodeProcess()?.getBuiltinModule?.("node:worker_threads") as
    | { Worker: new (code: string, options: WorkerOptions) => WorkerLike }
    | undefined;
  if (!threads) return undefined;
  return (code, options) => new threads.Worker(code, options);
}

/** The part of a browser's Worker the pool uses. */
interface WebWorker {
  addEventListener(
    type: "error",
    listener: (event: { message?: string; preventDefault?(): void }) => void,
  ): void;
  postMessage(message: unknown): void;
  terminate(): void;
}

/** The browser globals that start a Web Worker from a string. */
interface WebWorkerApi {
  Worker: new (url: string, options: { name: string }) => WebWorker;
  Blob: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL(blob: object): string };
}

/** The blob: URL of the worker's source, made once: every worker of every pool loads it. */
let workerUrl: string | undefined;

/**
 * Web Workers on a blob: URL of `code`, sent their `workerData` as the first message; undefined
 * where there are none (Node, or a worklet). A page's blob: workers share its cross-origin
 * isolation, so they can receive its shared memory and compiled module.
 */
function webWorkerFactory(): WorkerFactory | undefined {
  const api = globalThis as Partial<WebWorkerApi>;
  const { Worker, Blob, URL } = api;
  if (typeof Worker !== "function" || typeof Blob !== "function") return undefined;
  if (typeof URL?.createObjectURL !== "function") return undefined;
  return (code, options) => {
    workerUrl ??= URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    const worker = new Worker(workerUrl, { name: "tensortape kernels" });
    worker.postMessage(options.workerData);
    return {
      // A Web Worker never keeps a page alive.
      unref() {},
      on(_event, listener) {
        worker.addEventListener("error", (event) => {
          // Handled here (the pool warns once), so not reported again as the page's error.
          event.preventDefault?.();
          listener(new Error(event.message || "the worker failed to load"));
        });
      },
      terminate() {
        worker.terminate();
        return Promise.resolve(0);
      },
    };
  };
}

/** The platform's worker factory: Node's worker threads, else a browser's Web Workers. */
function platformWorkerFactory(): WorkerFactory | undefined {
  return threadTesting.workerFactory ?? nodeWorkerFactory() ?? webWorkerFactory();
}

let callerCanBlock: boolean | undefined;

/**
 * Whether this thread may sleep in Atomics.wait: everywhere but a browser's main thread, where
 * it throws (the spec's [[CanBlock]]), checked before the value is compared.
 */
function canBlock(): boolean {
  if (callerCanBlock === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      callerCanBlock = true;
    } catch {
      callerCanBlock = false;
    }
  }
  return callerCanBlock;
}

function nodeOs(): OsLike | undefined {
  return nodeProcess()?.getBuiltinModule?.("node:os") as OsLike | undefined;
}

/**
 * Internal switches for tests: a stand-in worker factory, a core count, whether the machine
 * counts as busy, and whether the once-per-process warning has been given. `busy: false`
 * also makes every kernel large enough to split do so, without the timing that otherwise
 * decides per call shape whether splitting pays (split.ts), so that tests see their calls split.
 * `loadAverage` stands in for the load average and for the cores other processes keep busy
 * (benchmarks use it to see the threads' behaviour at a given load whatever the machine's is).
 */
export const threadTesting: {
  workerFactory?: WorkerFactory;
  cores?: number;
  busy?: boolean;
  loadAverage?: number;
  /**
   * The caller claims no slice of a job until a worker has claimed one (for up to 5 s), so
   * that a test sees workers run slices however loaded the machine: otherwise the caller may
   * finish every slice of a short call before a descheduled worker wakes, call after call.
   */
  workersFirst?: boolean;
  warned: boolean;
} = { warned: false };

let cores = 0;
let coresReadAt = Number.NEGATIVE_INFINITY;

/**
 * The number of logical cores: os.availableParallelism in Node, hardwareConcurrency
 * elsewhere. Reread at most every LOAD_CHECK_MS (a process's affinity can change, but kernels
 * ask on every large call and the read is a system call).
 */
export function coreCount(): number {
  if (threadTesting.cores !== undefined) return threadTesting.cores;
  const time = now();
  if (time - coresReadAt >= LOAD_CHECK_MS) {
    cores = readCoreCount();
    coresReadAt = time;
  }
  return cores;
}

function readCoreCount(): number {
  const os = nodeOs();
  if (os?.availableParallelism) return os.availableParallelism();
  if (os?.cpus) return Math.max(1, os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Says once per process that threads are off, and why. */
function warnOnce(message: string): void {
  if (threadTesting.warned) return;
  threadTesting.warned = true;
  const proc = nodeProcess();
  if (typeof proc?.emitWarning === "function") {
    proc.emitWarning(message, { code: "TENSORTAPE_THREADS" });
  } else {
    (globalThis as { console?: { warn(message: string): void } }).console?.warn(message);
  }
}

/** A short description of what a worker threw or emitted. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

/** Worker threads bound to one kernel runtime's memory. */
export class ThreadPool {
  readonly #runtime: KernelRuntime;
  /** The memory the workers instantiated the kernels on (the runtime may replace its own). */
  readonly memory: WasmMemory;
  readonly #control: Int32Array;
  /**
   * Each slice's argument count and arguments, MAX_ARGS words apart. Float64, so that an
   * argument that is not an integer (layer norm's epsilon) reaches a worker exactly: through
   * an Int32Array, as before, it arrived truncated (1e-5 became 0).
   */
  readonly #args: Float64Array;
  readonly #workers: WorkerLike[] = [];
  readonly #failedAt: number;
  readonly #bootDeadline: number;
  #job = 0;
  #ready = 0;
  #broken: string | undefined;

  private constructor(runtime: KernelRuntime, workers: number, factory: WorkerFactory) {
    this.#runtime = runtime;
    this.memory = runtime.memory;
    const slices = MAX_SLICES;
    this.#failedAt = HEADER + workers;
    this.#control = new Int32Array(
      new SharedArrayBuffer((this.#failedAt + slices) * Int32Array.BYTES_PER_ELEMENT),
    );
    this.#args = new Float64Array(
      new SharedArrayBuffer(slices * MAX_ARGS * Float64Array.BYTES_PER_ELEMENT),
    );
    this.#bootDeadline = now() + BOOT_TIMEOUT_MS;
    try {
      for (let slot = 0; slot < workers; slot++) {
        const worker = factory(workerSource, {
          eval: true,
          workerData: {
            module: runtime.module,
            memory: this.memory,
            control: this.#control,
            args: this.#args,
            slot,
            workers,
            kernels: KERNELS,
          },
          // Not the parent's flags: a loader such as tsx would only slow the start.
          execArgv: [],
        });
        // Listening keeps a worker's death from crashing the process; the pool stops using
        // threads from the next call on (the event arrives between calls).
        worker.on("error", (error) => this.#fail(`a worker thread failed (${describe(error)})`));
        worker.unref();
        this.#workers.push(worker);
      }
    } catch (error) {
      // Typically ERR_WORKER_INIT_FAILED: the process may not start more threads.
      this.#fail(`worker threads could not start (${describe(error)})`);
    }
  }

  /** A pool of `workers` threads for `runtime`, or null where threads are unavailable. */
  static create(runtime: KernelRuntime, workers: number): ThreadPool | null {
    const factory = platformWorkerFactory();
    if (!factory || !runtime.shared || workers < 1) return null;
    return new ThreadPool(runtime, Math.min(workers, MAX_THREADS - 1), factory);
  }

  /** Worker threads in the pool (the calling thread makes one more). */
  get size(): number {
    return this.#workers.length;
  }

  /** How many slices the workers (not the caller) have run so far. */
  get workerSlices(): number {
    return Atomics.load(this.#control, WORKER_SLICES);
  }

  /** Why the pool stopped using threads, or undefined while it uses them. */
  get broken(): string | undefined {
    return this.#broken;
  }

  /** Stops using threads for good: terminates the workers and warns once. */
  #fail(reason: string): void {
    if (this.#broken) return;
    this.#broken = reason;
    this.close();
    warnOnce(`tensortape: ${reason}; large kernels now run on the calling thread only.`);
  }

  /**
   * Threads that can take part in a call now: the caller plus the workers that have started;
   * 1 while none has, while the machine is busy, and for good once the pool has failed.
   */
  threads(): number {
    if (this.#broken || machineBusy()) return 1;
    if (this.#ready < this.#workers.length) {
      let ready = 0;
      for (let w = 0; w < this.#workers.length; w++) {
        if (Atomics.load(this.#control, HEADER + w) === READY) ready++;
      }
      this.#ready = ready;
      if (ready < this.#workers.length && now() > this.#bootDeadline) {
        this.#fail(
          `${this.#workers.length - ready} worker thread(s) did not start within ${BOOT_TIMEOUT_MS / 1000} s`,
        );
        return 1;
      }
    }
    return this.#ready + 1;
  }

  /** Whether some worker has yet to start (and the pool has not given up on it). */
  get booting(): boolean {
    return !this.#broken && this.#ready < this.#workers.length;
  }

  /**
   * Blocks until every worker has started or `timeoutMs` has passed; whether they all did.
   * Tests use it to be sure that their calls are split. On a browser's main thread, which may
   * not block (and whose workers start only once it returns to its event loop), it says
   * whether they have started without waiting.
   */
  waitReady(timeoutMs: number): boolean {
    const deadline = now() + timeoutMs;
    const blocking = canBlock();
    for (let w = 0; w < this.#workers.length && !this.#broken; w++) {
      const left = deadline - now();
      if (left > 0 && blocking) Atomics.wait(this.#control, HEADER + w, BOOTING, left);
      if (Atomics.load(this.#control, HEADER + w) !== READY) return false;
    }
    return !this.#broken;
  }

  /**
   * Runs `kernel` once per argument list on the calling thread and whichever workers are free,
   * and returns when all are done. Every slice runs exactly once; a slice that threw in a
   * worker runs again here, where its error reaches the caller. `ran(s)` is called on the
   * calling thread after each slice s it ran itself, while the workers may still be running
   * theirs (to copy out its results meanwhile, say).
   */
  run(
    kernel: ParallelKernel,
    slices: readonly (readonly number[])[],
    ran?: (slice: number) => void,
  ): void {
    const run = this.#runtime.exports[kernel] as (...args: number[]) => void;
    const count = slices.length;
    const most = slices.reduce((m, args) => Math.max(m, args.length), 0);
    if (most >= MAX_ARGS) {
      throw new ValueError(
        "ThreadPool.run",
        `expects at most ${MAX_ARGS - 1} arguments per slice; got ${most} for ${kernel}`,
      );
    }
    if (count <= 1 || this.threads() === 1 || this.#runtime.memory !== this.memory) {
      for (let s = 0; s < count; s++) {
        run(...slices[s]!);
        ran?.(s);
      }
      return;
    }
    if (count > MAX_SLICES) {
      throw new ValueError("ThreadPool.run", `expects at most ${MAX_SLICES} slices; got ${count}`);
    }
    const control = this.#control;
    // Close the last job's claims before anything of this one is written. A worker leaving
    // the last job may have read its claim word (every slice taken) and then read this job's
    // larger COUNT: its compare-exchange on that stale word would claim a slice that does not
    // exist, run it, and count it in this job's FINISHED, which then passes COUNT and is
    // waited on forever. An index of 255 is past any COUNT, and the exchange on the old word
    // now fails.
    Atomics.store(control, CLAIM, (this.#job << 8) | 0xff);
    control[KERNEL] = KERNELS.indexOf(kernel);
    const crowdedNow = machineCrowded();
    control[SPIN] = crowdedNow ? 0 : WORKER_SPIN_US;
    Atomics.store(control, COUNT, count);
    Atomics.store(control, FINISHED, 0);
    const argsArray = this.#args;
    for (let s = 0; s < count; s++) {
      const args = slices[s]!;
      const at = s * MAX_ARGS;
      argsArray[at] = args.length;
      for (let i = 0; i < args.length; i++) argsArray[at + 1 + i] = args[i]!;
      control[this.#failedAt + s] = 0;
    }
    this.#job = (this.#job + 1) & JOB_MASK;
    const job = this.#job;
    // Publishing the claim word releases everything written above to whoever claims a slice.
    Atomics.store(control, CLAIM, job << 8);
    Atomics.store(control, JOB, job);
    Atomics.notify(control, JOB, count - 1);
    if (threadTesting.workersFirst) {
      const blocking = canBlock();
      const deadline = now() + 5000;
      while (Atomics.load(control, CLAIM) === job << 8 && now() < deadline) {
        if (blocking) Atomics.wait(control, CLAIM, job << 8, 1);
      }
    }

    let error: unknown;
    let failed = false;
    let slowest = 0;
    for (;;) {
      const claim = Atomics.load(control, CLAIM);
      const index = claim & 0xff;
      if (index >= count) break;
      if (Atomics.compareExchange(control, CLAIM, claim, claim + 1) !== claim) continue;
      // After an error, the slices nobody has claimed are cancelled rather than run.
      if (!failed) {
        const start = now();
        try {
          run(...slices[index]!);
          slowest = Math.max(slowest, now() - start);
          ran?.(index);
        } catch (e) {
          error = e;
          failed = true;
        }
      }
      Atomics.add(control, FINISHED, 1);
    }
    // Every slice is claimed; wait for those still running in workers, so that none of them
    // outlives this call and writes into memory the next call reuses.
    let done = Atomics.load(control, FINISHED);
    if (crowdedNow) {
      for (let i = 0; i < CALLER_SPIN && done !== count; i++)
        done = Atomics.load(control, FINISHED);
    } else {
      const sleepAt = now() + CALLER_SPIN_SLICES * slowest;
      while (done !== count && now() < sleepAt) {
        for (let i = 0; i < 100 && done !== count; i++) done = Atomics.load(control, FINISHED);
      }
    }
    // A thread that may not sleep (a browser's main thread) polls on: a slice is short.
    const blocking = canBlock();
    while (done !== count) {
      if (blocking) Atomics.wait(control, FINISHED, done);
      done = Atomics.load(control, FINISHED);
    }
    if (failed) throw error;
    for (let s = 0; s < count; s++) if (control[this.#failedAt + s] === 1) run(...slices[s]!);
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.#workers) void worker.terminate();
  }
}

let busy = false;
let crowded = false;
let loadCheckedAt = Number.NEGATIVE_INFINITY;

/**
 * Whether the machine has more runnable threads than cores and other processes are why (see
 * loadVerdict and OthersLoad). Then kernels run on the calling thread alone and nobody polls.
 * On two cores with other processes' load average at 8–12, the default on two threads ranged
 * from 0.7× to 2× the speed of one thread over bench/threads.ts's workloads from run to run: a
 * worker holding a slice can be descheduled for milliseconds while the caller waits for it,
 * and what a second thread wins there is mostly CPU time taken from the other processes. One
 * thread is never slower than one thread. The load average and os.cpus() both describe the
 * whole machine (a container's host, too), so their ratio holds where availableParallelism()
 * counts only this process's share. Reread at most every LOAD_CHECK_MS; false where neither
 * can be read (browsers).
 */
export function machineBusy(): boolean {
  if (threadTesting.busy !== undefined) return threadTesting.busy;
  checkLoad();
  return busy;
}

/**
 * Whether other processes keep the cores about half busy (see loadVerdict): then workers
 * sleep as soon as their job is done instead of polling for the next one, which would take
 * CPU time from the other processes and, through them, from the caller.
 */
export function machineCrowded(): boolean {
  if (threadTesting.busy !== undefined) return threadTesting.busy;
  checkLoad();
  return crowded;
}

/** How quickly other processes' CPU use is averaged (a time constant), so one burst does not flip the choice. */
const OTHERS_LOAD_MS = 5000;

/**
 * The cores other processes have kept busy lately, from successive readings of the machine's
 * CPU time (every core's user, nice, system and interrupt time, os.cpus()) and this process's
 * own (process.cpuUsage(), all its threads): what the machine used beyond this process per
 * millisecond between readings, averaged over a few seconds (OTHERS_LOAD_MS); 0 until two
 * readings have been taken. Measured rather than read off the load average, which counts this
 * process's own threads too: the GPT step on two threads of an otherwise idle two-core
 * machine used 1.4 cores and raised the load average to 2.0–2.6 by itself (runnable threads
 * sampled at the scheduler's ticks count bursts of waking workers and collector threads),
 * which the rule this replaces (a load average above the core count less half a thread) read
 * as other processes: the workers stopped polling between jobs, and above 2.5 the kernels
 * stopped splitting; in back-to-back runs of 45 s the step ran on one thread for 17–36 of
 * its last 43 steps, and the two-thread GPT step was 2–10 % slower than with this reading.
 */
export class OthersLoad {
  #before: { machineMs: number; ownMs: number; atMs: number } | undefined;
  #average = 0;

  /** Takes a reading at `atMs` and returns the cores other processes have kept busy lately. */
  read(machineMs: number, ownMs: number, atMs: number): number {
    const before = this.#before;
    this.#before = { machineMs, ownMs, atMs };
    const elapsed = before ? atMs - before.atMs : 0;
    if (before && elapsed > 0) {
      const others = (machineMs - before.machineMs - (ownMs - before.ownMs)) / elapsed;
      const keep = Math.exp(-elapsed / OTHERS_LOAD_MS);
      this.#average = this.#average * keep + Math.max(0, others) * (1 - keep);
    }
    return this.#average;
  }
}

/**
 * Busy: the machine has more runnable threads than cores (the load average, which counts this
 * process's threads too, above the core count by more than half a thread) and other processes
 * are why (they keep more than half the cores busy). Crowded: other processes keep more than
 * half the cores less half a core busy (one busy process on two cores).
 */
export function loadVerdict(
  others: number,
  loadAverage: number,
  cores: number,
): { busy: boolean; crowded: boolean } {
  return {
    busy: others > cores / 2 && loadAverage > cores + 0.5,
    crowded: others > cores / 2 - 0.5,
  };
}

const othersLoad = new OthersLoad();

/**
 * Rereads the load average and what other processes use, at most every LOAD_CHECK_MS, and
 * sets `busy` and `crowded` from them (`threadTesting.loadAverage` stands in for both).
 */
function checkLoad(): void {
  const time = now();
  if (time - loadCheckedAt < LOAD_CHECK_MS) return;
  loadCheckedAt = time;
  const os = nodeOs();
  const cpus = os?.cpus?.() ?? [];
  let others = threadTesting.loadAverage;
  if (others === undefined) {
    let machineMs = 0;
    for (const { times: t } of cpus) if (t) machineMs += t.user + t.nice + t.sys + t.irq;
    const usage = nodeProcess()?.cpuUsage?.();
    others =
      usage && machineMs > 0
        ? othersLoad.read(machineMs, (usage.user + usage.system) / 1000, time)
        : 0;
  }
  const load = threadTesting.loadAverage ?? os?.loadavg?.()[0] ?? 0;
  ({ busy, crowded } = loadVerdict(others, load, cpus.length || coreCount()));
}

let requested: number | undefined;
let pool: ThreadPool | null | undefined;

/**
 * Whether kernels can use worker threads here: SharedArrayBuffer (in a browser, a page that is
 * cross-origin isolated) and a way to start workers (Node's worker threads, or Web Workers).
 */
export function threadsSupported(runtime: KernelRuntime): boolean {
  return runtime.shared && platformWorkerFactory() !== undefined;
}

/**
 * Sets how many threads (the calling one included) large kernels of the WebAssembly
 * backend may use; the default is every core. The pool never runs more threads than there
 * are cores, and a kernel uses only as many as its size repays. 1 computes on the calling
 * thread alone.
 * @example setNumThreads(1) // reproducible single-core timings
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ValueError("setNumThreads", `expects a positive integer; got ${threads}`);
  }
  requested = threads;
  closePool();
}

/**
 * The number of threads large kernels may use: the value given to `setNumThreads`, else every
 * core; 1 where threads are unavailable (no SharedArrayBuffer, as in a browser page that is
 * not cross-origin isolated, or no way to start workers).
 * @example getNumThreads() // 2 on a two-core machine
 */
export function getNumThreads(): number {
  const runtime = getRuntime();
  if (!runtime || !threadsSupported(runtime)) return 1;
  return requested ?? coreCount();
}

/**
 * Threads a kernel can be split over now: the thread count capped at the cores there are;
 * 1 while the machine is busy, and once the pool has fallen back to the calling thread.
 */
export function usableThreads(): number {
  const threads = Math.min(getNumThreads(), coreCount());
  if (threads <= 1 || pool?.broken || machineBusy()) return 1;
  return threads;
}

/**
 * Whether the pool exists and some of its workers have yet to start: calls meant to split
 * run on the calling thread alone meanwhile.
 */
export function poolBooting(): boolean {
  return pool?.booting ?? false;
}

/** Terminates the pool's workers; the next parallel call starts new ones. */
export function closePool(): void {
  pool?.close();
  pool = undefined;
}

/**
 * The pool for the current thread count, created on first use; null for one thread, for a
 * pool that has fallen back to the calling thread, and for any runtime but the backend's own
 * (the workers share that one's memory). A pool bound to a memory the runtime has since
 * replaced is closed and a new one started.
 */
export function getPool(runtime: KernelRuntime): ThreadPool | null {
  if (runtime !== getRuntime()) return null;
  if (pool && pool.memory !== runtime.memory) closePool();
  if (pool !== undefined) return pool?.broken ? null : pool;
  const threads = Math.min(getNumThreads(), coreCount());
  pool = threads > 1 ? ThreadPool.create(runtime, threads - 1) : null;
  // The workers hold the memory they were started on: once the runtime replaces it (to give a
  // large one back), stop them now rather than at the next parallel call, so it can be freed.
  runtime.onReplace = closePool;
  return pool?.broken ? null : pool;
}
