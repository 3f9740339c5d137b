/**
 * The WebAssembly kernels' instance and its linear memory. Operands are copied into the
 * memory for each kernel call and results copied out: tensors keep their own typed arrays,
 * and the memory belongs to the backend alone. A WebAssembly memory can only grow, so once a
 * large kernel has grown it and the runtime sees that it is no longer needed, it replaces
 * the memory and instance with small ones (see `reset`), and the large one is freed.
 */
import {
  maximumPages,
  sharedKernels,
  sharedKernelsRelaxed,
  unsharedKernels,
  unsharedKernelsRelaxed,
} from "./generated/kernels.js";

// The few WebAssembly API types used here, declared locally: core's type libraries are
// ECMAScript only, so that it compiles the same for Node and for browsers.
/** A compiled module: opaque, but it can be sent to a worker. */
export type WasmModule = object;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  validate(bytes: Uint8Array): boolean;
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The functions and constants the kernels export (see assembly/index.ts). */
export interface KernelExports {
  readonly MR: { readonly value: number };
  readonly NR: { readonly value: number };
  readonly KC: { readonly value: number };
  readonly MC: { readonly value: number };
  readonly NC: { readonly value: number };
  matmulBatchF32(...args: number[]): void;
  matmulBatchF64(...args: number[]): void;
  matmulUnfoldBatchF32(...args: number[]): void;
  matmulFoldBatchF32(...args: number[]): void;
  reluF32(x: number, out: number, n: number): void;
  unaryF32(op: number, x: number, out: number, n: number): void;
  geluGradF32(g: number, x: number, out: number, n: number): void;
  roundF32(op: number, x: number, out: number, n: number): void;
  roundF64(op: number, x: number, out: number, n: number): void;
  sumColumnsF32(x: number, rows: number, n: number, acc: number, out: number): void;
  arithmeticF32(
    op: number,
    a: number,
    aRow: number,
    aStep: number,
    b: number,
    bRow: number,
    bStep: number,
    out: number,
    rows: number,
    n: number,
  ): void;
  sgdF32(p: number, g: number, buf: number, n: number, ...hyperparameters: number[]): void;
  adamF32(
    p: number,
    g: number,
    m: number,
    v: number,
    vMax: number,
    n: number,
    ...hyperparameters: number[]
  ): void;
  rmspropF32(
    p: number,
    g: number,
    squareAvg: number,
    gradAvg: number,
    buf: number,
    n: number,
    ...hyperparameters: number[]
  ): void;
  adagradF32(p: number, g: number, sum: number, n: number, ...hyperparameters: number[]): void;
  softmaxF32(x: number, out: number, r0: number, r1: number, cols: number, log: number): void;
  softmaxBackwardF32(
    y: number,
    dy: number,
    out: number,
    r0: number,
    r1: number,
    cols: number,
    log: number,
  ): void;
  permuteF32(src: number, dst: number, ...sizesThenStrides: number[]): void;
  layerNormF32(
    x: number,
    out: number,
    xhat: number,
    rstd: number,
    weight: number,
    bias: number,
    r0: number,
    r1: number,
    cols: number,
    eps: number,
  ): void;
  layerNormBackwardF32(
    g: number,
    xhat: number,
    rstd: number,
    weight: number,
    dx: number,
    r0: number,
    r1: number,
    cols: number,
  ): void;
  im2colF32(x: number, cols: number, p0: number, p1: number, ...geometry: number[]): void;
  col2imF32(cols: number, x: number, p0: number, p1: number, ...geometry: number[]): void;
  windowMaxF32(
    x: number,
    out: number,
    indices: number,
    p0: number,
    p1: number,
    ...geometry: number[]
  ): void;
  windowSumF32(x: number, out: number, p0: number, p1: number, ...geometry: number[]): void;
  winogradWeightsF32(w: number, u: number, outer: number, inner: number, flip: number): void;
  winogradConvF32(...args: number[]): void;
  winogradWeightF32(...args: number[]): void;
  attentionF32(...args: number[]): void;
  attentionBackwardF32(...args: number[]): void;
  compareF32(
    op: number,
    a: number,
    aStep: number,
    b: number,
    bStep: number,
    out: number,
    n: number,
  ): void;
}

/** The first bytes of memory are left alone (the kernels keep no data there, but stay safe). */
const RESERVED_BYTES = 65536;
const PAGE_BYTES = 65536;
/** Pages a fresh memory starts with: the reserved bytes and 1 MiB. */
const INITIAL_PAGES = RESERVED_BYTES / PAGE_BYTES + 16;

/**
 * A memory of at most this many bytes is kept for the life of the runtime: training steps
 * of the benchmark's models use a few MiB, and keeping that much costs nothing.
 */
const KEEP_BYTES = 64 << 20;

/**
 * A larger memory is replaced by a fresh one once no call has used more than a quarter of it
 * for this long: the large work is over (an evaluation pass, a one-off large product), and
 * pinning hundreds of MiB of RSS for the life of the process is not worth the regrowth it
 * saves. Short enough that an interactive session gets its memory back soon; long enough
 * that a loop alternating large and small kernels does not reallocate on every pass.
 */
const IDLE_RELEASE_MS = 1000;

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes base64 (atob is not in every environment's type library, and this is short). */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | BASE64.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (value >> bits) & 0xff;
    }
  }
  return bytes;
}

/** Whether threads can share one memory: SharedArrayBuffer exists (cross-origin isolated). */
function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function";
}

/** Milliseconds from a monotonic clock where there is one (every current engine). */
export function now(): number {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance ? performance.now() : Date.now();
}

interface TimerApi {
  setTimeout(callback: () => void, ms: number): { unref?(): void } | number;
}

/** A compiled kernel module and the memory it is instantiated with. */
export class KernelRuntime {
  readonly module: WasmModule;
  readonly shared: boolean;
  /** Whether this is the relaxed-SIMD build (fused multiply-add in the matmul). */
  readonly relaxed: boolean;
  readonly #api: WasmApi;
  #memory!: WasmMemory;
  #exports!: KernelExports;
  #f32!: Float32Array;
  #f64!: Float64Array;
  #i32!: Int32Array;
  #top = RESERVED_BYTES;
  /** When a call last used more than a quarter of the memory. */
  #lastLargeUse = 0;
  #releaseTimer = false;
  /**
   * Called after the memory is replaced: the thread pool sets it to terminate the workers
   * holding the old one, which is freed once nothing refers to it.
   */
  onReplace: (() => void) | undefined;

  constructor(api: WasmApi, module: WasmModule, shared: boolean, relaxed: boolean) {
    this.#api = api;
    this.module = module;
    this.shared = shared;
    this.relaxed = relaxed;
    this.#instantiate();
  }

  /** A fresh memory of INITIAL_PAGES and an instance of the kernels on it. */
  #instantiate(): void {
    const replacing = this.#memory !== undefined;
    this.#memory = new this.#api.Memory({
      initial: INITIAL_PAGES,
      maximum: maximumPages,
      shared: this.shared,
    });
    const instance = new this.#api.Instance(this.module, { env: { memory: this.#memory } });
    this.#exports = instance.exports as unknown as KernelExports;
    this.#views();
    if (replacing) this.onReplace?.();
  }

  #views(): void {
    this.#f32 = new Float32Array(this.#memory.buffer);
    this.#f64 = new Float64Array(this.#memory.buffer);
    this.#i32 = new Int32Array(this.#memory.buffer);
  }

  /**
   * The linear memory. `reset` may replace it (and `exports`) with a smaller one: take both
   * after the reset that starts a kernel, never before.
   */
  get memory(): WasmMemory {
    return this.#memory;
  }

  /** The kernels, instantiated on `memory`. */
  get exports(): KernelExports {
    return this.#exports;
  }

  /** The memory's size in bytes. */
  get byteLength(): number {
    return this.#memory.buffer.byteLength;
  }

  /** The memory as float32s (a fresh view after any growth). */
  get f32(): Float32Array {
    return this.#f32;
  }

  /** The memory as float64s. */
  get f64(): Float64Array {
    return this.#f64;
  }

  /** The memory as bytes. */
  get u8(): Uint8Array {
    return new Uint8Array(this.#memory.buffer);
  }

  /** The memory as int32s. */
  get i32(): Int32Array {
    return this.#i32;
  }

  /**
   * Frees everything `allocate` handed out: call at the start of each kernel, before taking
   * `exports` or a view. A memory past KEEP_BYTES that no call has used more than a quarter
   * of for IDLE_RELEASE_MS is replaced here by a fresh small one.
   */
  reset(): void {
    const size = this.byteLength;
    if (size > KEEP_BYTES) {
      const time = now();
      if (this.#top > size / 4) this.#lastLargeUse = time;
      else if (time - this.#lastLargeUse > IDLE_RELEASE_MS) this.#instantiate();
    }
    this.#top = RESERVED_BYTES;
  }

  /**
   * Drops a memory past KEEP_BYTES now, whatever its recent use (the idle timer's action, and
   * tests'). The next kernel starts on a fresh small memory.
   */
  release(): void {
    if (this.byteLength > KEEP_BYTES) this.#instantiate();
    this.#top = RESERVED_BYTES;
  }

  /**
   * Once the memory has grown past KEEP_BYTES, checks every IDLE_RELEASE_MS whether it is still
   * used, and releases it once it is not, so that a process whose large work is over gets its
   * memory back even if it never calls another kernel. The timer is unref'd (it never keeps a
   * process alive) and runs between kernel calls, never during one.
   */
  #scheduleRelease(delay = IDLE_RELEASE_MS + 10): void {
    const timers = globalThis as unknown as Partial<TimerApi>;
    if (this.#releaseTimer || typeof timers.setTimeout !== "function") return;
    this.#releaseTimer = true;
    const check = () => {
      this.#releaseTimer = false;
      if (this.byteLength <= KEEP_BYTES) return;
      const idle = now() - this.#lastLargeUse;
      if (idle > IDLE_RELEASE_MS) this.release();
      // Checked again when the last large use will be IDLE_RELEASE_MS old, not a whole interval
      // later: a large call's allocations can straddle the first check by a few milliseconds.
      else this.#scheduleRelease(IDLE_RELEASE_MS - idle + 10);
    };
    const timer = timers.setTimeout(check, delay);
    if (typeof timer === "object") timer.unref?.();
  }

  /**
   * Reserves `bytes` (16-byte aligned) until the next reset and returns their address, or -1
   * when the memory cannot grow that far (the caller then falls back to the reference).
   */
  allocate(bytes: number): number {
    const start = this.#top;
    const end = start + Math.ceil(bytes / 16) * 16;
    const size = this.byteLength;
    if (end > size) {
      if (end > maximumPages * PAGE_BYTES) return -1;
      this.#memory.grow(Math.ceil((end - size) / PAGE_BYTES));
      this.#views();
    }
    this.#top = end;
    if (end > KEEP_BYTES && end > this.byteLength / 4) {
      this.#lastLargeUse = now();
      this.#scheduleRelease();
    }
    return start;
  }
}

/**
 * A fresh kernel runtime on a shared memory (for threads) or a private one (where
 * SharedArrayBuffer is unavailable, as in a browser page that is not cross-origin
 * isolated); null where the engine lacks WebAssembly SIMD. The relaxed-SIMD build, whose
 * matmul uses fused multiply-add, is taken where the engine accepts it (Node 22+, current
 * browsers) unless `relaxed` is false; `relaxed: true` takes nothing else.
 */
export function createRuntime(shared: boolean, relaxed?: boolean): KernelRuntime | null {
  if (!wasm) return null;
  const builds: [string, boolean][] = [];
  if (relaxed !== false)
    builds.push([shared ? sharedKernelsRelaxed : unsharedKernelsRelaxed, true]);
  if (relaxed !== true) builds.push([shared ? sharedKernels : unsharedKernels, false]);
  for (const [text, isRelaxed] of builds) {
    const bytes = decodeBase64(text);
    // Engines without SIMD (or relaxed SIMD, or, for the shared build, threads) reject the
    // module here.
    if (!wasm.validate(bytes)) continue;
    try {
      return new KernelRuntime(wasm, new wasm.Module(bytes), shared, isRelaxed);
    } catch {
      // Validated but not instantiable (a memory the engine refuses): try the next build.
    }
  }
  return null;
}

let runtime: KernelRuntime | null | undefined;
let localRuntime: KernelRuntime | null | undefined;

/**
 * The backend's kernel runtime, on a memory shared with the worker threads where that is
 * possible, created on first use; null where the kernels cannot run.
 */
export function getRuntime(): KernelRuntime | null {
  if (runtime === undefined) runtime = createRuntime(canShareMemory());
  return runtime;
}

/**
 * The runtime for kernels that run on the calling thread alone: a private memory, into and
 * out of which TypedArray.set copies about 1.7× as fast as with a shared one (whose copies
 * the engine must make with relaxed atomics). Where memory is not shared anyway, this is
 * getRuntime()'s.
 */
export function getLocalRuntime(): KernelRuntime | null {
  if (localRuntime === undefined) {
    const threaded = getRuntime();
    localRuntime = threaded?.shared ? createRuntime(false) : threaded;
  }
  return localRuntime;
}

/** Whether the WebAssembly kernels can run here. */
export function wasmAvailable(): boolean {
  return getRuntime() !== null;
}
