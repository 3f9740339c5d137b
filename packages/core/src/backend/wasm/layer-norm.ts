/**
 * Layer normalisation and its input gradient. Float32 rows run in WebAssembly
 * (assembly/layer-norm.ts: float64 lanes, the reference's order of summation), bit-identical
 * to the reference and split over the worker threads by rows when large; other dtypes run the
 * reference's loops.
 */
import type { TypedArray } from "../../dtype.js";
import { referenceBackend } from "../reference/reference-backend.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming, runSplit, runtimeFor } from "./split.js";

/** Elements per thread below which splitting a row kernel costs more than it saves. */
const SLICE_MIN_ELEMENTS = 1 << 16;

/** Copies the arrays (null ones take no room, address 0) into a fresh allocation each. */
function place(runtime: KernelRuntime, arrays: readonly (Float32Array | null)[]): number[] | null {
  runtime.reset();
  const at: number[] = [];
  for (const a of arrays) {
    if (!a) {
      at.push(0);
      continue;
    }
    const address = runtime.allocate(a.length * 4);
    if (address < 0) return null;
    at.push(address);
  }
  return at;
}

const f32 = (a: TypedArray | null): a is Float32Array => a instanceof Float32Array;

/** The fast layerNorm; see `Backend.layerNorm`. */
export function layerNormFast(
  x: TypedArray,
  rows: number,
  cols: number,
  weight: TypedArray | null,
  bias: TypedArray | null,
  eps: number,
  out: TypedArray,
  xhat: TypedArray,
  rstd: TypedArray,
): void {
  const arrays = [x, out, xhat, rstd];
  const float32 = arrays.every(f32) && (!weight || f32(weight)) && (!bias || f32(bias));
  if (rows > 0 && cols > 0 && float32) {
    const n = rows * cols;
    const runtime = runtimeFor(n, SLICE_MIN_ELEMENTS, () => `layerNorm ${rows}×${cols}`);
    const at = runtime && place(runtime, [x, out, xhat, rstd, weight, bias] as Float32Array[]);
    if (runtime && at) {
      const [xAt, outAt, hatAt, rstdAt, wAt, bAt] = at as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      runtime.f32.set(x.subarray(0, n), xAt >> 2);
      if (weight) runtime.f32.set(weight.subarray(0, cols), wAt >> 2);
      if (bias) runtime.f32.set(bias.subarray(0, cols), bAt >> 2);
      const minRows = Math.ceil(SLICE_MIN_ELEMENTS / cols);
      runSplit(runtime, "layerNormF32", rows, minRows, (r0, r1) => [
        xAt,
        outAt,
        hatAt,
        rstdAt,
        wAt,
        bAt,
        r0,
        r1,
        cols,
        eps,
      ]);
      const view = runtime.f32;
      out.set(view.subarray(outAt >> 2, (outAt >> 2) + n));
      xhat.set(view.subarray(hatAt >> 2, (hatAt >> 2) + n));
      rstd.set(view.subarray(rstdAt >> 2, (rstdAt >> 2) + rows));
      endSplitTiming();
      return;
    }
  }
  referenceBackend.layerNorm(x, rows, cols, weight, bias, eps, out, xhat, rstd);
}

/** The fast layerNormBackward; see `Backend.layerNormBackward`. */
export function layerNormBackwardFast(
  g: TypedArray,
  xhat: TypedArray,
  rstd: TypedArray,
  weight: TypedArray | null,
  rows: number,
  cols: number,
  dx: TypedArray,
): void {
  const float32 = [g, xhat, rstd, dx].every(f32) && (!weight || f32(weight));
  if (rows > 0 && cols > 0 && float32) {
    const n = rows * cols;
    const runtime = runtimeFor(n, SLICE_MIN_ELEMENTS, () => `layerNormBackward ${rows}×${cols}`);
    const at = runtime && place(runtime, [g, xhat, rstd, weight, dx] as Float32Array[]);
    if (runtime && at) {
      const [gAt, hatAt, rstdAt, wAt, dxAt] = at as [number, number, number, number, number];
      const view = runtime.f32;
      view.set(g.subarray(0, n), gAt >> 2);
      view.set(xhat.subarray(0, n), hatAt >> 2);
      view.set(rstd.subarray(0, rows), rstdAt >> 2);
      if (weight) view.set(weight.subarray(0, cols), wAt >> 2);
      const minRows = Math.ceil(SLICE_MIN_ELEMENTS / cols);
      runSplit(runtime, "layerNormBackwardF32", rows, minRows, (r0, r1) => [
        gAt,
        hatAt,
        rstdAt,
        wAt,
        dxAt,
        r0,
        r1,
        cols,
      ]);
      dx.set(runtime.f32.subarray(dxAt >> 2, (dxAt >> 2) + n));
      endSplitTiming();
      return;
    }
  }
  referenceBackend.layerNormBackward(g, xhat, rstd, weight, rows, cols, dx);
}
