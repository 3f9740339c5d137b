/**
 * The JavaScript side of the float32 matmul kernel: copies the operands into WebAssembly
 * memory, splits C among threads by rows or columns (or whole products for a large batch)
 * and copies C back. Splitting never changes the order in which any element of C sums its
 * products, so every thread count gives bit-identical results.
 */
import type { MatmulArgs } from "../backend.js";
import type { KernelRuntime } from "./runtime.js";
import { getPool } from "./thread-pool.js";

/**
 * Below this many multiply-adds one thread is as fast: on two cores a 64³ product (2¹⁸)
 * gains nothing from a second thread and a 96³ one (2¹⁹·⁷) a third. Measured with
 * bench/matmul-threads.ts.
 */
const PARALLEL_MIN_MACS = 1 << 19;

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/** [start, end) of part `t` of `count` split into `parts` pieces that are multiples of `unit`. */
function share(count: number, parts: number, unit: number, t: number): [number, number] {
  const step = roundUp(Math.ceil(count / parts), unit);
  return [Math.min(count, t * step), Math.min(count, (t + 1) * step)];
}

/**
 * out (contiguous [batch, m, n]) = op(a)·op(b) in float32; false (nothing written) when the
 * operands do not fit the kernel memory, so the caller can use the reference backend.
 */
export function matmulF32(
  runtime: KernelRuntime,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  args: MatmulArgs,
): boolean {
  const { m, k, n, transA, transB } = args;
  const batch = args.aOffsets.length;
  if (batch === 0 || m === 0 || n === 0) return true;
  const exports = runtime.exports;
  const MR = exports.MR.value as number;
  const NR = exports.NR.value as number;
  const KC = exports.KC.value as number;
  const MC = exports.MC.value as number;
  const NC = exports.NC.value as number;
  const mp = roundUp(m, MR);
  const np = roundUp(n, NR);

  // How to split: whole products when there are enough of them, else C's rows or columns,
  // whichever is longer (each thread then packs all of the smaller operand).
  const macs = batch * m * n * Math.max(k, 1);
  const pool = macs >= PARALLEL_MIN_MACS ? getPool(runtime) : null;
  const threads = pool ? pool.size + 1 : 1;
  const byProduct = batch >= threads;
  const splitRows = !byProduct && m >= n;
  let parts = threads;
  if (!byProduct) parts = Math.min(threads, Math.ceil((splitRows ? m / MR : n / NR) / 2));

  runtime.reset();
  const aPtr = runtime.allocate(a.length * 4);
  const bPtr = runtime.allocate(b.length * 4);
  const cPtr = runtime.allocate(batch * mp * np * 4);
  const offsetsPtr = runtime.allocate(batch * 8);
  const packAPtrs: number[] = [];
  const packBPtrs: number[] = [];
  for (let t = 0; t < parts; t++) {
    packAPtrs.push(runtime.allocate(MC * KC * 4));
    packBPtrs.push(runtime.allocate(KC * Math.min(NC, np) * 4));
  }
  if (Math.min(aPtr, bPtr, cPtr, offsetsPtr, ...packAPtrs, ...packBPtrs) < 0) return false;

  const f32 = runtime.f32;
  const i32 = runtime.i32;
  f32.set(a, aPtr >> 2);
  f32.set(b, bPtr >> 2);
  for (let p = 0; p < batch; p++) {
    i32[(offsetsPtr >> 2) + 2 * p] = args.aOffsets[p]! * 4;
    i32[(offsetsPtr >> 2) + 2 * p + 1] = args.bOffsets[p]! * 4;
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
  if (pool && parts > 1) pool.run("matmulBatchF32", slices);
  else exports.matmulBatchF32(...slices[0]!);

  // C is padded to whole tiles; copy back the m×n corner of each product.
  const view = runtime.f32;
  const c = cPtr >> 2;
  for (let p = 0; p < batch; p++) {
    const from = c + p * mp * np;
    if (np === n) {
      out.set(view.subarray(from, from + m * n), p * m * n);
      continue;
    }
    for (let i = 0; i < m; i++) {
      out.set(view.subarray(from + i * np, from + i * np + n), (p * m + i) * n);
    }
  }
  return true;
}
