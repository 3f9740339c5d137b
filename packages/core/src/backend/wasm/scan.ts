/**
 * The scan kernel in plain JavaScript, one loop per op. A scan along the last axis runs each
 * line with a scalar accumulator; along any other axis, the inner dimension is walked
 * contiguously with one accumulator per column, so that memory is read in order. Each line
 * sees the reference's expressions in the reference's order, so the results are bit-identical
 * to it.
 */
import type { TypedArray } from "../../dtype.js";
import type { ScanKernel } from "../backend.js";
import { logAddExp, replacesExtreme, scanStart } from "../reference/scan.js";

/** Running sum, product or log Σ exp of each contiguous line of n. */
function scanRows(
  op: "sum" | "prod" | "logsumexp",
  x: TypedArray,
  rows: number,
  n: number,
  out: TypedArray,
): void {
  for (let o = 0; o < rows; o++) {
    const end = (o + 1) * n;
    let acc: number = scanStart[op];
    switch (op) {
      case "sum":
        for (let k = o * n; k < end; k++) out[k] = acc += x[k]!;
        break;
      case "prod":
        for (let k = o * n; k < end; k++) out[k] = acc *= x[k]!;
        break;
      case "logsumexp":
        for (let k = o * n; k < end; k++) out[k] = acc = logAddExp(acc, x[k]!);
        break;
    }
  }
}

/** Running sum, product or log Σ exp of `inner` columns at once, block by block along the axis. */
function scanColumns(
  op: "sum" | "prod" | "logsumexp",
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  out: TypedArray,
): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(scanStart[op]);
    for (let j = 0; j < axisLen; j++) {
      const row = (o * axisLen + j) * inner;
      switch (op) {
        case "sum":
          for (let i = 0; i < inner; i++) out[row + i] = acc[i]! += x[row + i]!;
          break;
        case "prod":
          for (let i = 0; i < inner; i++) out[row + i] = acc[i]! *= x[row + i]!;
          break;
        case "logsumexp":
          for (let i = 0; i < inner; i++) out[row + i] = acc[i] = logAddExp(acc[i]!, x[row + i]!);
          break;
      }
    }
  }
}

/** Running maximum or minimum (and its index) of each contiguous line of n. */
function extremeRows(
  op: "max" | "min",
  x: TypedArray,
  rows: number,
  n: number,
  out: TypedArray,
  indices: Int32Array | null,
): void {
  for (let o = 0; o < rows; o++) {
    const base = o * n;
    let best = Number.NaN;
    let at = 0;
    for (let j = 0; j < n; j++) {
      const v = x[base + j]!;
      if (j === 0 || replacesExtreme(op, v, best)) {
        best = v;
        at = j;
      }
      out[base + j] = best;
      if (indices) indices[base + j] = at;
    }
  }
}

/** Running maximum or minimum (and its index) of `inner` columns at once. */
function extremeColumns(
  op: "max" | "min",
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  out: TypedArray,
  indices: Int32Array | null,
): void {
  const best = new Float64Array(inner);
  const at = new Int32Array(inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < axisLen; j++) {
      const row = (o * axisLen + j) * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i]!;
        if (j === 0 || replacesExtreme(op, v, best[i]!)) {
          best[i] = v;
          at[i] = j;
        }
        out[row + i] = best[i]!;
      }
      if (indices) indices.set(at, row);
    }
  }
}

/** The fast scan; see `Backend.scan`. */
export function scanFast(
  op: ScanKernel,
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  out: TypedArray,
  indices: Int32Array | null,
): void {
  if (op === "max" || op === "min") {
    if (inner === 1) extremeRows(op, x, outer, axisLen, out, indices);
    else extremeColumns(op, x, outer, axisLen, inner, out, indices);
  } else if (inner === 1) scanRows(op, x, outer, axisLen, out);
  else scanColumns(op, x, outer, axisLen, inner, out);
}
