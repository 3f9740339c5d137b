/**
 * Row softmax and log-softmax. Float32 rows run in WebAssembly SIMD (assembly/softmax.ts:
 * a polynomial exp, float64 sums), within a few float32 ulps of the reference, split over the
 * worker threads by rows when large; float64 rows run the reference's loop, specialised to
 * float64 arrays so that the engine compiles it for one element type, and bit-identical.
 */
import type { TypedArray } from "../../dtype.js";
import { referenceBackend } from "../reference/reference-backend.js";
import { endSplitTiming, runSplit, runtimeFor } from "./split.js";
import { place, takeBack } from "./window.js";

/** Elements per thread below which splitting a softmax costs more than it saves. */
const SLICE_MIN_ELEMENTS = 1 << 16;

/** The fast softmax; see `Backend.softmax`. */
export function softmaxFast(
  x: TypedArray,
  rows: number,
  cols: number,
  out: TypedArray,
  log: boolean,
): void {
  const n = rows * cols;
  if (n === 0) return;
  if (
    x instanceof Float32Array &&
    out instanceof Float32Array &&
    softmaxF32(x, rows, cols, out, log)
  ) {
    return;
  }
  if (x instanceof Float64Array && out instanceof Float64Array) {
    softmaxF64(x, rows, cols, out, log);
    return;
  }
  referenceBackend.softmax(x, rows, cols, out, log);
}

/** The float32 softmax in WebAssembly; false (nothing written) where it cannot run. */
function softmaxF32(
  x: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  log: boolean,
): boolean {
  const n = rows * cols;
  const runtime = runtimeFor(n, SLICE_MIN_ELEMENTS, () => `softmax ${rows}×${cols}`);
  if (!runtime) return false;
  runtime.reset();
  const at = runtime.allocate(n * 4);
  if (at < 0) return false;
  runtime.f32.set(x.subarray(0, n), at >> 2);
  const minRows = Math.ceil(SLICE_MIN_ELEMENTS / cols);
  runSplit(runtime, "softmaxF32", rows, minRows, (r0, r1) => [at, at, r0, r1, cols, log ? 1 : 0]);
  out.set(runtime.f32.subarray(at >> 2, (at >> 2) + n));
  endSplitTiming();
  return true;
}

/** The reference's loop on float64 arrays, in the reference's order: bit-identical. */
function softmaxF64(
  x: Float64Array,
  rows: number,
  cols: number,
  out: Float64Array,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (x[base + j]! > max) max = x[base + j]!;
    // A row of -Infinity has no finite maximum; shifting by 0 keeps exp from producing NaN.
    if (max === Number.NEGATIVE_INFINITY) max = 0;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j]! - max);
    if (log) {
      const logSum = Math.log(sum);
      for (let j = 0; j < cols; j++) out[base + j] = x[base + j]! - max - logSum;
    } else {
      for (let j = 0; j < cols; j++) out[base + j] = Math.exp(x[base + j]! - max) / sum;
    }
  }
}

/**
 * The fast softmaxBackward (see `Backend.softmaxBackward`): float32 rows in WebAssembly SIMD
 * (float64 products and sums, four partial sums; log-softmax's exp the forward kernel's
 * polynomial), within an ulp (softmax) or a few (log-softmax) of the reference, split over
 * the worker threads by rows when large; float64 rows, and float32 ones where WebAssembly
 * cannot run, in the reference's loops.
 */
export function softmaxBackwardFast(
  y: TypedArray,
  dy: TypedArray,
  rows: number,
  cols: number,
  out: TypedArray,
  log: boolean,
): void {
  if (rows * cols === 0) return;
  const float32 =
    y instanceof Float32Array && dy instanceof Float32Array && out instanceof Float32Array;
  if (float32 && softmaxBackwardWasm(y, dy, rows, cols, out, log)) return;
  referenceBackend.softmaxBackward(y, dy, rows, cols, out, log);
}

/** Softmax's backward of float32 rows in WebAssembly; false (nothing written) where it cannot run. */
function softmaxBackwardWasm(
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  log: boolean,
): boolean {
  const n = rows * cols;
  const runtime = runtimeFor(2 * n, SLICE_MIN_ELEMENTS, () => `softmaxBackward ${rows}×${cols}`);
  if (!runtime) return false;
  const at = place(runtime, [y.subarray(0, n), dy.subarray(0, n)], [true, true]);
  if (!at) return false;
  const [yAt, dyAt] = at as [number, number];
  const minRows = Math.ceil(SLICE_MIN_ELEMENTS / cols);
  // The result overwrites dy in the kernel memory: each row reads its dy before writing it.
  runSplit(runtime, "softmaxBackwardF32", rows, minRows, (r0, r1) => [
    yAt,
    dyAt,
    dyAt,
    r0,
    r1,
    cols,
    log ? 1 : 0,
  ]);
  takeBack(runtime, dyAt, out.subarray(0, n));
  endSplitTiming();
  return true;
}
