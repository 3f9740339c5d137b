/**
 * The JavaScript side of the float32 and float64 matmul kernels: copies the operands into WebAssembly
 * memory, splits C among threads by rows or columns (or whole products for a large batch)
 * and copies C back. Splitting never changes the order in which any element of C sums its
 * products, so every thread count gives bit-identical results.
 */
import type { MatmulArgs } from "../backend.js";
import { addMatmulBias, scaleProducts } from "../reference/reference-backend.js";
import {
  checkMatmulBias,
  checkMatmulScale,
  checkWindows,
  windowSizes,
} from "../windowed-matmul.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming, runSplit, runtimeFor, SLICES_PER_THREAD } from "./split.js";
import { getPool, MAX_SLICES, type ParallelKernel, type ThreadPool } from "./thread-pool.js";
import { as2d, geometryArgs, minPlanes, type Window2d } from "./window.js";
import { winogradMatmul, winogradPlan } from "./winograd.js";

/**
 * The fewest multiply-adds worth giving a thread of its own: a product is split into at most
 * macs / SLICE_MIN_MACS parts, so one smaller than twice this runs on the calling thread
 * alone, in its private memory. Below it, what a split costs (copies into the shared memory
 * about 1.7× as slow, waking a worker, packing the shared operand twice) outweighs what the
 * second core computes. Measured with bench/threads.ts.
 */
export const SLICE_MIN_MACS = 1 << 19;

/**
 * Padded rows of C narrower than this are copied out element by element, wider ones with
 * set: a subarray per row costs more than the copy below about 30 to 60 columns (measured).
 */
const NARROW_ROW = 32;

export const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/** The float32 elementwise kernel's code for +. */
const ARITHMETIC_ADD = 0;
const ARITHMETIC_MUL = 2;

/**
 * [start, end) of part `t` of `count` split into `parts` pieces as even as whole multiples of
 * `unit` allow (none empty while `parts` is at most count / unit, rounded up).
 */
function share(count: number, parts: number, unit: number, t: number): [number, number] {
  const units = Math.ceil(count / unit);
  const at = (part: number) => Math.min(count, Math.floor((units * part) / parts) * unit);
  return [at(t), at(t + 1)];
}

/**
 * Where `parts` parts of `count` products start, and the end: largest first, so that the
 * last parts, whichever threads take them, are small and the threads finish close together
 * (12 equal parts of 64 products left a thread idle for up to a part, 5 products; these end
 * in parts of one or two). Each part takes at least its equal share of what is left and at
 * least what is left over `spread`, the smallest spread from 2·threads up that leaves no part
 * empty; with as many parts as products, one each.
 */
export function productBounds(count: number, parts: number, threads: number): number[] {
  const boundsFor = (spread: number) => {
    const bounds = [0];
    for (let t = 0; t < parts; t++) {
      const left = count - bounds[t]!;
      const share = Math.max(Math.ceil(left / (parts - t)), Math.ceil(left / spread));
      bounds.push(bounds[t]! + (t === parts - 1 ? left : Math.min(share, left)));
    }
    return bounds;
  };
  // A larger spread fills more parts: search for the smallest that fills all it can.
  const filled = Math.min(parts, count);
  const fills = (spread: number) => {
    const bounds = boundsFor(spread);
    return bounds[filled - 1]! < bounds[filled]!;
  };
  let [low, high] = [2 * threads, Math.max(count, 2 * threads)];
  while (low < high) {
    const mid = (low + high) >> 1;
    if (fills(mid)) high = mid;
    else low = mid + 1;
  }
  return boundsFor(low);
}

/**
 * Scratch memory a split by whole products may take for its parts' packed operands (and
 * unfolded columns) beyond its first SLICES_PER_THREAD per thread.
 */
const SPLIT_SCRATCH_BYTES = 16 * 2 ** 20;

/**
 * Bytes of one product's columns that a slice holds in scratch of its own: those unfolded
 * from its planes (`bWindow`), and its padded product before it is folded (`outWindow`).
 */
function windowColumnBytes(args: MatmulArgs, bytes: number, paddedSize: number): number {
  let columns = args.outWindow ? paddedSize : 0;
  if (args.bWindow) {
    const { taps, positions } = windowSizes(args.bWindow);
    columns += args.bWindow.planes * taps * positions;
  }
  return columns * bytes;
}

/** The most parts a call of `macs` multiply-adds is split into: each at least SLICE_MIN_MACS. */
const mostParts = (macs: number) => Math.min(MAX_SLICES, Math.floor(macs / SLICE_MIN_MACS));

/**
 * Parts for a split of `batch` whole products over `threads`: as many as their size allows,
 * and as many as SPLIT_SCRATCH_BYTES holds at `partBytes` of scratch each (at least
 * SLICES_PER_THREAD per thread). Each product packs its own operands anyway, so a part costs
 * only its scratch, and the smaller the parts the less is left to one thread at the end.
 */
export function partsByProduct(
  macs: number,
  batch: number,
  threads: number,
  partBytes: number,
): number {
  const affordable = Math.max(threads * SLICES_PER_THREAD, SPLIT_SCRATCH_BYTES / partBytes);
  return Math.min(mostParts(macs), batch, Math.floor(affordable));
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
  const windows = `${args.bWindow ? " im2col" : ""}${args.outWindow ? " col2im" : ""}`;
  const key = () =>
    `matmul ${args.aOffsets.length}×${m}×${k}×${n} ${transA ? "T" : "N"}${transB ? "T" : "N"}${windows}`;
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

/** A window of one or two spatial axes over float32 planes, which the kernels unfold. */
function kernelWindow(window: MatmulArgs["bWindow"], bytes: number): Window2d | null | undefined {
  if (!window) return undefined;
  return bytes === 4 ? as2d(window) : null;
}

/**
 * out (contiguous [batch, m, n]) = op(a)·op(b) in float32 or float64; false (nothing
 * written) when the operands do not fit the kernel memory, or when a window (`bWindow`,
 * `outWindow`) is not one the kernels unfold (float64, three spatial axes), so the caller
 * can lower the product another way. A float32 window's columns stay in the kernel memory:
 * b's planes are copied in and unfolded there, and with `outWindow` the products are folded
 * there and only the planes copied out.
 */
export function matmulFloat(
  runtime: KernelRuntime,
  [a, b, out]: FloatArrays,
  args: MatmulArgs,
  bias?: Float32Array | Float64Array,
): boolean {
  const { m, k, n, transA, transB } = args;
  const batch = args.aOffsets.length;
  const bytes = a.BYTES_PER_ELEMENT;
  const bWindow = kernelWindow(args.bWindow, bytes);
  const outWindow = kernelWindow(args.outWindow, bytes);
  if (bWindow === null || outWindow === null) return false;
  if (bWindow || outWindow) checkWindows(args, b.length, out.length);
  checkMatmulScale(args);
  if (bias) checkMatmulBias(args, bias.length);
  if (batch === 0 || m === 0 || n === 0) return true;
  const winograd = bytes === 4 ? winogradPlan(args) : null;
  if (winograd && winogradMatmul(runtime, winograd, [a, b, out] as FloatArrays, args, bias)) {
    return true;
  }
  // First: reset may replace the memory and the instance (see KernelRuntime.reset).
  runtime.reset();
  const exports = runtime.exports;
  const MR = exports.MR.value as number;
  // A panel row is two vectors: 8 float32s or 4 float64s.
  const NR = ((exports.NR.value as number) * 4) / bytes;
  const KC = exports.KC.value as number;
  const MC = exports.MC.value as number;
  const NC = exports.NC.value as number;
  const mp = roundUp(m, MR);
  const np = roundUp(n, NR);

  // How to split: into parts of at least SLICE_MIN_MACS each. By whole products when there are
  // as many as threads, as many parts as that allows (each product packs its own operands
  // anyway, so a part costs only its scratch memory, kept within SPLIT_SCRATCH_BYTES, and the
  // smaller the parts the less is left to one thread at the end: 12 products in 8 parts left
  // up to two products' time, 0.9 ms of a 4 ms convolution chunk). Else by C's rows or
  // columns, whichever is longer; each part then packs all of the smaller operand, so those
  // parts are fewer: two per thread.
  const macs = macsOf(args);
  const pool = runtime.shared && macs >= 2 * SLICE_MIN_MACS ? getPool(runtime) : null;
  const threads = pool ? pool.threads() : 1;
  const byProduct = batch >= threads;
  const splitRows = !byProduct && m >= n;
  let parts = 1;
  if (threads > 1) {
    const scratch =
      (MC * KC + KC * Math.min(NC, np)) * bytes + windowColumnBytes(args, bytes, mp * np);
    parts = byProduct
      ? partsByProduct(macs, batch, threads, scratch)
      : Math.min(mostParts(macs), 2 * threads, Math.ceil((splitRows ? m / MR : n / NR) / 2));
  }

  // b's planes and their columns, or b itself; the planes out's window folds the products into.
  // Split by whole products (or not split), each slice unfolds or folds its own products'
  // columns as it computes them, in scratch of its own: one product's columns rather than the
  // batch's, still in cache when read, and no separate pass over them on the calling thread.
  const unfold = bWindow && windowSizes(args.bWindow!);
  const fold = outWindow && windowSizes(args.outWindow!);
  const perProduct = byProduct && !(unfold && fold);
  const bPlanes = unfold ? Math.floor(b.length / unfold.inSize) : 0;
  const aPtr = runtime.allocate(a.length * bytes);
  const bPtr = runtime.allocate((unfold ? bPlanes * unfold.inSize : b.length) * bytes);
  const columns = unfold ? unfold.taps * unfold.positions : 0;
  const colsPtr = unfold && !perProduct ? runtime.allocate(bPlanes * columns * bytes) : 0;
  // A slice that folds its products computes each into scratch of its own, still in cache
  // when folded, rather than into the batch's C (42 MB for the MNIST network's batch of 64).
  const foldEach = fold && perProduct;
  const cPtr = foldEach ? 0 : runtime.allocate(batch * mp * np * bytes);
  const outPlanes = outWindow ? batch * outWindow.planes : 0;
  const planesPtr = fold ? runtime.allocate(outPlanes * fold.inSize * bytes) : 0;
  const offsetsPtr = runtime.allocate(batch * 8);
  const geometryPtr = perProduct && (bWindow || outWindow) ? runtime.allocate(13 * 4) : 0;
  const packAPtrs: number[] = [];
  const packBPtrs: number[] = [];
  const colsPtrs: number[] = [];
  for (let t = 0; t < parts; t++) {
    packAPtrs.push(runtime.allocate(MC * KC * bytes));
    packBPtrs.push(runtime.allocate(KC * Math.min(NC, np) * bytes));
    if (unfold && perProduct) colsPtrs.push(runtime.allocate(bWindow!.planes * columns * bytes));
    if (foldEach) colsPtrs.push(runtime.allocate(mp * np * bytes));
  }
  const addresses = [aPtr, bPtr, colsPtr, cPtr, planesPtr, offsetsPtr, geometryPtr];
  if (Math.min(...addresses, ...packAPtrs, ...packBPtrs, ...colsPtrs) < 0) return false;

  const heap = bytes === 4 ? runtime.f32 : runtime.f64;
  const i32 = runtime.i32;
  heap.set(a, aPtr / bytes);
  // Where each product's b starts: in b (its planes, when each slice unfolds its own), or in
  // the columns unfolded from b's planes.
  let bAt = args.bOffsets;
  let right = bPtr;
  const window = bWindow ?? outWindow;
  if (perProduct && window) i32.set([window.planes, ...geometryArgs(window)], geometryPtr >> 2);
  if (bWindow && unfold) {
    heap.set(b.subarray(0, bPlanes * unfold.inSize), bPtr / bytes);
    if (!perProduct) {
      const work = bPlanes * (unfold.inSize + columns);
      const geometry = geometryArgs(bWindow);
      runSplit(runtime, "im2colF32", bPlanes, minPlanes(work, bPlanes), (p0, p1) => [
        bPtr,
        colsPtr,
        p0,
        p1,
        ...geometry,
      ]);
      bAt = args.bOffsets.map((o) => (o / unfold.inSize) * columns);
      right = colsPtr;
    }
  } else {
    heap.set(b, bPtr / bytes);
  }
  for (let p = 0; p < batch; p++) {
    i32[(offsetsPtr >> 2) + 2 * p] = args.aOffsets[p]! * bytes;
    i32[(offsetsPtr >> 2) + 2 * p + 1] = bAt[p]! * bytes;
  }

  const slices: number[][] = [];
  // What each slice computes: products [p0, p1), rows [i0, i1).
  const regions: [number, number, number, number][] = [];
  const flags = [transA ? 1 : 0, transB ? 1 : 0];
  const bounds = byProduct ? productBounds(batch, parts, threads) : [];
  for (let t = 0; t < parts; t++) {
    let [p0, p1, i0, i1, j0, j1] = [0, batch, 0, m, 0, n];
    if (byProduct) [p0, p1] = [bounds[t]!, bounds[t + 1]!];
    else if (splitRows) [i0, i1] = share(m, parts, MR, t);
    else [j0, j1] = share(n, parts, NR, t);
    regions.push([p0, p1, i0, i1]);
    const packs = [packAPtrs[t]!, packBPtrs[t]!];
    if (foldEach) {
      slices.push([aPtr, right, colsPtrs[t]!, offsetsPtr, p0, p1, m, k, n, ...flags, ...packs]);
      slices[t]!.push(planesPtr, geometryPtr);
      continue;
    }
    slices.push([aPtr, right, cPtr, offsetsPtr, p0, p1, m, k, n, ...flags, i0, i1, j0, j1]);
    slices[t]!.push(...packs);
    if (unfold && perProduct) slices[t]!.push(colsPtrs[t]!, geometryPtr);
  }
  const kernel =
    bytes === 8
      ? "matmulBatchF64"
      : unfold && perProduct
        ? "matmulUnfoldBatchF32"
        : fold && perProduct
          ? "matmulFoldBatchF32"
          : "matmulBatchF32";
  const view = bytes === 4 ? runtime.f32 : runtime.f64;
  const c = cPtr / bytes;

  if (outWindow && foldEach) {
    // Each slice folded its products into their planes: copy out those of the caller's
    // slices while the workers compute theirs.
    const size = outWindow.planes * fold.inSize;
    const planes = planesPtr / bytes;
    runKernel(runtime, pool, kernel, slices, (t) => {
      const [p0, p1] = regions[t]!;
      out.set(view.subarray(planes + p0 * size, planes + p1 * size), p0 * size);
    });
    endSplitTiming();
    return true;
  }
  if (outWindow && fold) {
    runKernel(runtime, pool, kernel, slices);
    // C is padded to whole tiles: close the gaps so that each product is its columns, fold
    // them into zeroed planes (out starts zeroed) and copy those out.
    if (mp !== m || np !== n) {
      for (let p = 0; p < batch; p++) {
        for (let i = 0; i < m; i++) {
          const src = c + p * mp * np + i * np;
          view.copyWithin(c + (p * m + i) * n, src, src + n);
        }
      }
    }
    const planes = planesPtr / bytes;
    view.fill(0, planes, planes + outPlanes * fold.inSize);
    const work = outPlanes * (fold.inSize + fold.taps * fold.positions);
    const geometry = geometryArgs(outWindow);
    runSplit(runtime, "col2imF32", outPlanes, minPlanes(work, outPlanes), (p0, p1) => [
      cPtr,
      planesPtr,
      p0,
      p1,
      ...geometry,
    ]);
    out.set(view.subarray(planes, planes + outPlanes * fold.inSize));
    endSplitTiming();
    return true;
  }

  // The scale and the bias applied in the kernel memory (float32), each product's m×n corner
  // written contiguously for the bias (over C itself where C has no padding); float64, or
  // what the memory has no room for, is applied after the copy, as the reference applies it.
  const scalePtr = args.scale !== undefined && bytes === 4 ? runtime.allocate(4) : -1;
  if (scalePtr >= 0) runtime.f32[scalePtr >> 2] = args.scale!;
  const scaledHere = args.scale === undefined || scalePtr >= 0;
  let biasPtr = -1;
  let sumsPtr = -1;
  if (bias && bytes === 4 && scaledHere) {
    biasPtr = runtime.allocate(bias.length * 4);
    sumsPtr = mp === m && np === n ? cPtr : runtime.allocate(batch * m * n * 4);
    if (biasPtr >= 0 && sumsPtr >= 0) runtime.f32.set(bias, biasPtr >> 2);
  }
  const biasHere = bias !== undefined && biasPtr >= 0 && sumsPtr >= 0;
  const [bRow, bStep] = args.biasAxis === "rows" ? [1, 0] : [0, 1];

  /** Scales, biases and copies out rows [i0, i1) of products [p0, p1). */
  const finish = (p0: number, p1: number, i0: number, i1: number) => {
    const rows = i1 - i0;
    if (rows <= 0 || p1 <= p0) return;
    for (let p = p0; p < p1; p++) {
      const product = cPtr + (p * mp + i0) * np * bytes;
      if (scalePtr >= 0) {
        exports.arithmeticF32(ARITHMETIC_MUL, product, np, 1, scalePtr, 0, 0, product, rows, np);
      }
      if (biasHere) {
        const sums = sumsPtr + (p * m + i0) * n * 4;
        const biasAt = biasPtr + (args.biasAxis === "rows" ? i0 * 4 : 0);
        exports.arithmeticF32(ARITHMETIC_ADD, product, np, 1, biasAt, bRow, bStep, sums, rows, n);
        out.set(runtime.f32.subarray(sums >> 2, (sums >> 2) + rows * n), (p * m + i0) * n);
        continue;
      }
      // C is padded to whole tiles; copy back the m×n corner.
      const from = c + (p * mp + i0) * np;
      if (np === n) {
        out.set(view.subarray(from, from + rows * n), (p * m + i0) * n);
        continue;
      }
      for (let i = 0; i < rows; i++) {
        const src = from + i * np;
        const dst = (p * m + i0 + i) * n;
        if (n >= NARROW_ROW) out.set(view.subarray(src, src + n), dst);
        // A subarray per narrow row (the 10 logits of a classifier) costs more than the copy.
        else for (let j = 0; j < n; j++) out[dst + j] = view[src + j]!;
      }
    }
  };

  // The calling thread finishes each slice it ran while the workers still compute theirs,
  // which are finished after the last: the copies out overlap the other threads' slices. A
  // split by columns finishes whole, after every slice.
  if (byProduct || splitRows) {
    runKernel(runtime, pool, kernel, slices, (t) => {
      const [p0, p1, i0, i1] = regions[t]!;
      finish(p0, p1, i0, i1);
    });
  } else {
    runKernel(runtime, pool, kernel, slices);
    finish(0, batch, 0, m);
  }
  if (!scaledHere) scaleProducts(out, batch * m * n, args.scale!);
  if (bias && !biasHere) addMatmulBias(out, args, bias);
  endSplitTiming();
  return true;
}

/**
 * Runs the product's slices of `kernel`: split over the pool when there are several, else on
 * the calling thread. `finish(t)` is called on the calling thread once per slice: right after
 * each slice it ran itself (while the workers still compute theirs), and after the last slice
 * for those the workers ran.
 */
export function runKernel(
  runtime: KernelRuntime,
  pool: ThreadPool | null,
  kernel: ParallelKernel,
  slices: readonly number[][],
  finish?: (t: number) => void,
): void {
  if (pool && slices.length > 1) {
    const finished = new Array<boolean>(slices.length).fill(false);
    pool.run(kernel, slices, (t) => {
      finish?.(t);
      finished[t] = true;
    });
    if (finish) for (let t = 0; t < slices.length; t++) if (!finished[t]) finish(t);
    return;
  }
  const run = runtime.exports[kernel] as (...args: number[]) => void;
  for (let t = 0; t < slices.length; t++) {
    run(...slices[t]!);
    finish?.(t);
  }
}
