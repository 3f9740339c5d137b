/**
 * The reference scatter-reduce: the index space walked in row-major order, one element at a
 * time, written to be obviously correct. The fast backends are held to it bit for bit.
 */
import type { TypedArray } from "../../dtype.js";
import type { ScatterReduceKernel, StridedView } from "../backend.js";
import { forEachRow } from "./strided.js";

/**
 * What a scattered-to position starts from when `includeSelf` is false: the identity of the
 * reduction in out's dtype, as PyTorch fills it before reducing.
 */
export function scatterIdentity(op: ScatterReduceKernel, out: TypedArray): number {
  const integer = out instanceof Int32Array;
  switch (op) {
    case "prod":
      return 1;
    case "amax":
      return integer ? -2147483648 : Number.NEGATIVE_INFINITY;
    case "amin":
      return integer ? 2147483647 : Number.POSITIVE_INFINITY;
    default:
      return 0;
  }
}

/** One reduction step; a NaN from either side wins amax and amin, as in PyTorch. */
export function scatterStep(op: ScatterReduceKernel, acc: number, v: number): number {
  switch (op) {
    case "assign":
      return v;
    case "sum":
    case "mean":
      return acc + v;
    case "prod":
      return acc * v;
    case "amax":
      return Number.isNaN(v) || v > acc ? v : acc;
    case "amin":
      return Number.isNaN(v) || v < acc ? v : acc;
  }
}

/**
 * Calls `visit(srcAt, target)` for each element of the index space `shape` in row-major
 * order: `srcAt` is its offset in `src`, `target` the offset in `out` it scatters to.
 */
export function forEachScatter(
  src: StridedView,
  index: StridedView,
  outStrides: readonly number[],
  shape: readonly number[],
  axis: number,
  visit: (srcAt: number, target: number) => void,
): void {
  const rank = shape.length;
  const n = shape[rank - 1]!;
  const baseStrides = outStrides.map((s, d) => (d === axis ? 0 : s));
  const axisStride = outStrides[axis]!;
  const ss = src.strides[rank - 1]!;
  const is = index.strides[rank - 1]!;
  const os = baseStrides[rank - 1]!;
  const indexData = index.data;
  forEachRow(
    shape,
    [src.strides, index.strides, baseStrides],
    [src.offset, index.offset, 0],
    ([so, io, oo]) => {
      for (let j = 0, s = so!, i = io!, o = oo!; j < n; j++, s += ss, i += is, o += os) {
        visit(s, o + indexData[i]! * axisStride);
      }
    },
  );
}

/** See `Backend.scatterReduce`. */
export function scatterReduce(
  op: ScatterReduceKernel,
  src: StridedView,
  index: StridedView,
  out: TypedArray,
  outStrides: readonly number[],
  shape: readonly number[],
  axis: number,
  includeSelf: boolean,
): void {
  if (shape.includes(0)) return;
  const srcData = src.data;
  if (!includeSelf && op !== "assign") {
    const start = scatterIdentity(op, out);
    forEachScatter(src, index, outStrides, shape, axis, (_, t) => {
      out[t] = start;
    });
  }
  const count = op === "mean" ? new Int32Array(out.length) : null;
  forEachScatter(src, index, outStrides, shape, axis, (s, t) => {
    out[t] = scatterStep(op, out[t]!, srcData[s]!);
    if (count) count[t]!++;
  });
  if (count) {
    // The mean divides by the number of elements reduced, self included when it takes part;
    // integers divide with floor, as PyTorch's integer scatter_reduce mean does.
    const integer = out instanceof Int32Array;
    const self = includeSelf ? 1 : 0;
    for (let t = 0; t < out.length; t++) {
      if (count[t] === 0) continue;
      const q = out[t]! / (count[t]! + self);
      out[t] = integer ? Math.floor(q) : q;
    }
  }
}
