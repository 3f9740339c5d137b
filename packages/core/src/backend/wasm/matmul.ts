/**
 * The JavaScript side of the float32 and float64 matmul kernels: copies the operands into WebAssembly
 * memory, splits C among threads by rows or columns (or whole products for a large batch)
 * and copies C back. Splitting never changes the order in which any element of C sums its
 * products, so every thread count gives bit-identical results.
 */
import type { MatmulArgs } from "../backend.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming, runtimeFor, SLICES_PER_THREAD } from "./split.js";
import { getPool, MAX_SLICES } from "./thread-pool.js";

/**
 * The fewest multiply-adds worth giving a thread of its own: a product is split into at most
 * macs / SLICE_MIN_MACS parts, so one smaller than twice this runs on the calling thread
 * alone, in its private memory. Below it, what a split costs (copies into the shared memory
 * about 1.7× as slow, waking a worker, packing the shared operand twice) outweighs what the
 * second core computes. Measured with bench/threads.ts.
 */
const SLICE_MIN_MACS = 1 << 19;

/**
 * Padded rows of C narrower than this are copied out element by element, wider ones with
 * set: a subarray per row costs more than the copy below about 30 to 60 columns (measured).
 */
const NARROW_ROW = 32;

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/**
 * [start, end) of part `t` of `count` split into `parts` pieces as even as whole multiples of
 * `unit` allow (none empty while `parts` is at most count / unit, rounded up).
 */
function share(count: number, parts: number, unit: number, t: number): [number, number] {
  const units = Math.ceil(count / unit);
  const at = (part: number) => Math.min(count, Math.floor((units * part) / parts) * unit);
  return [at(t), at(t + 1)];
}

/** Multiply-adds in a product of `args`: batch·m·n·k, with k at least 1 (zeroing C is work). */
function macsOf(args: MatmulArgs): number {
  return args.aOffsets.length * args.m * args.n * Math.max(args.k, 1);
}

/**
 * The runtime to compute a product of `args` in: the threads' shared one when the product is
 * large enough to split, there are threads to split it over, and splitting products of its
 * shape has been measured to pay (see split.ts), else the calling thread's private one, which
 * copies operands faster.
 */
export function matmulRuntime(args: MatmulArgs): KernelRuntime | null {
  const { m, k, n, transA, transB } = args;
  const key = () =>
    `matmul ${args.aOffsets.length}×${m}×${k}×${n} ${transA ? "T" : "N"}${transB ? "T" : "N"}`;
  return runtimeFor(macsOf(args), SLICE_MIN_MACS, key);
}

/** Arrays of one float dtype, which the kernels compute in. */
export type FloatArrays =
  | readonly [Float32Array, Float32Array, Float32Array]
  | readonly [Float64Array, Float64Array, Float64Array];

/** a, b and out if all three are float32 or all float64, else undefined. */
export function sameFloat(a: unknown, b: unknown, out: unknown): FloatArrays | undefined {
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    return [a, b, out];
  }
  if (a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array) {
    return [a, b, out];
  }
  return undefined;
}

/**
 * out (contiguous [batch, m, n]) = op(a)·op(b) in float32 or float64; false (nothing
 * written) when the operands do not fit the kernel memory, so the caller can use the
 * reference backend.
 */
export function matmulFloat(
  runtime: KernelRuntime,
  [a, b, out]: FloatArrays,
  args: MatmulArgs,
): boolean {
  const { m, k, n, transA, transB } = args;
  const batch = args.aOffsets.length;
  if (batch === 0 || m === 0 || n === 0) return true;
  // First: reset may replace the memory and the instance (see KernelRuntime.reset).
  runtime.reset();
  const exports = runtime.exports;
  const bytes = a.BYTES_PER_ELEMENT;
  const MR = exports.MR.value as number;
  // A panel row is two vectors: 8 float32s or 4 float64s.
  const NR = ((exports.NR.value as number) * 4) / bytes;
  const KC = exports.KC.value as number;
  const MC = exports.MC.value as number;
  const NC = exports.NC.value as number;
  const mp = roundUp(m, MR);
  const np = roundUp(n, NR);

  // How to split: into parts of at least SLICE_MIN_MACS each, up to SLICES_PER_THREAD per
  // thread that is ready (so that a worker waking late takes fewer of them); by whole products
  // when there are as many as threads, else by C's rows or columns, whichever is longer (each
  // part then packs all of the smaller operand, so those parts are fewer: two per thread).
  const macs = macsOf(args);
  const pool = runtime.shared && macs >= 2 * SLICE_MIN_MACS ? getPool(runtime) : null;
  const threads = pool ? pool.threads() : 1;
  const byProduct = batch >= threads;
  const splitRows = !byProduct && m >= n;
  let parts = 1;
  if (threads > 1) {
    const most = Math.min(MAX_SLICES, Math.floor(macs / SLICE_MIN_MACS));
    parts = byProduct
      ? Math.min(most, batch, threads * SLICES_PER_THREAD)
      : Math.min(most, 2 * threads, Math.ceil((splitRows ? m / MR : n / NR) / 2));
  }

  const aPtr = runtime.allocate(a.length * bytes);
  const bPtr = runtime.allocate(b.length * bytes);
  const cPtr = runtime.allocate(batch * mp * np * bytes);
  const offsetsPtr = runtime.allocate(batch * 8);
  const packAPtrs: number[] = [];
  const packBPtrs: number[] = [];
  for (let t = 0; t < parts; t++) {
    packAPtrs.push(runtime.allocate(MC * KC * bytes));
    packBPtrs.push(runtime.allocate(KC * Math.min(NC, np) * bytes));
  }
  if (Math.min(aPtr, bPtr, cPtr, offsetsPtr, ...packAPtrs, ...packBPtrs) < 0) return false;

  const heap = bytes === 4 ? runtime.f32 : runtime.f64;
  const i32 = runtime.i32;
  heap.set(a, aPtr / bytes);
  heap.set(b, bPtr / bytes);
  for (let p = 0; p < batch; p++) {
    i32[(offsetsPtr >> 2) + 2 * p] = args.aOffsets[p]! * bytes;
    i32[(offsetsPtr >> 2) + 2 * p + 1] = args.bOffsets[p]! * bytes;
  }

  const slices: number[][] = [];
  for (let t = 0; t < parts; t++) {
    let [p0, p1, i0, i1, j0, j1] = [0, batch, 0, m, 0, n];
    if (byProduct) [p0, p1] = share(batch, parts, 1, t);
    else if (splitRows) [i0, i1] = share(m, parts, MR, t);
    else [j0, j1] = share(n, parts, NR, t);
    const flags = [transA ? 1 : 0, transB ? 1 : 0];
    slices.push([aPtr, bPtr, cPtr, offsetsPtr, p0, p1, m, k, n, ...flags, i0, i1, j0, j1]);
    slices[t]!.push(packAPtrs[t]!, packBPtrs[t]!);
  }
  const kernel = bytes === 4 ? "matmulBatchF32" : "matmulBatchF64";
  if (pool && parts > 1) pool.run(kernel, slices);
  else exports[kernel](...slices[0]!);

  // C is padded to whole tiles; copy back the m×n corner of each product.
  const view = bytes === 4 ? runtime.f32 : runtime.f64;
  const c = cPtr / bytes;
  for (let p = 0; p < batch; p++) {
    const from = c + p * mp * np;
    if (np === n) {
      out.set(view.subarray(from, from + m * n), p * m * n);
      continue;
    }
    for (let i = 0; i < m; i++) {
      const src = from + i * np;
      const dst = (p * m + i) * n;
      if (n >= NARROW_ROW) out.set(view.subarray(src, src + n), dst);
      // A subarray per narrow row (the 10 logits of a classifier) costs more than the copy.
      else for (let j = 0; j < n; j++) out[dst + j] = view[src + j]!;
    }
  }
  endSplitTiming();
  return true;
}
