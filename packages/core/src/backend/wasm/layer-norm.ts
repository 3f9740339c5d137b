/**
 * Layer normalisation and its input gradient. Float32 rows run in WebAssembly
 * (assembly/layer-norm.ts: float64 lanes, the reference's order of summation), bit-identical
 * to the reference and split over the worker threads by rows when large; other dtypes run the
 * reference's loops.
 */
import type { TypedArray } from "../../dtype.js";
import { referenceBackend } from "../reference/reference-backend.js";
import { endSplitTiming, runSplit, runtimeFor } from "./split.js";
import { place, takeBack } from "./window.js";

/** Elements per thread below which splitting a row kernel costs more than it saves. */
const SLICE_MIN_ELEMENTS = 1 << 16;

/** A float32 operand, or an absent optional one. */
const float32OrAbsent = (a: TypedArray | null) => a === null || a instanceof Float32Array;

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
  const arrays = [x, out, xhat, rstd, weight, bias];
  if (rows > 0 && cols > 0 && arrays.every(float32OrAbsent)) {
    const n = rows * cols;
    const runtime = runtimeFor(n, SLICE_MIN_ELEMENTS, () => `layerNorm ${rows}×${cols}`);
    const at =
      runtime &&
      place(runtime, arrays as (Float32Array | null)[], [true, false, false, false, true, true]);
    if (runtime && at) {
      const [xAt, outAt, hatAt, rstdAt, wAt, bAt] = at as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
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
      takeBack(runtime, outAt, out as Float32Array);
      takeBack(runtime, hatAt, xhat as Float32Array);
      takeBack(runtime, rstdAt, rstd as Float32Array);
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
  const arrays = [g, xhat, rstd, weight, dx];
  if (rows > 0 && cols > 0 && arrays.every(float32OrAbsent)) {
    const n = rows * cols;
    const runtime = runtimeFor(n, SLICE_MIN_ELEMENTS, () => `layerNormBackward ${rows}×${cols}`);
    const at =
      runtime && place(runtime, arrays as (Float32Array | null)[], [true, true, true, true, false]);
    if (runtime && at) {
      const [gAt, hatAt, rstdAt, wAt, dxAt] = at as [number, number, number, number, number];
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
      takeBack(runtime, dxAt, dx as Float32Array);
      endSplitTiming();
      return;
    }
  }
  referenceBackend.layerNormBackward(g, xhat, rstd, weight, rows, cols, dx);
}
