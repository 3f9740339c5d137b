/**
 * The scatter-reduce kernel in plain JavaScript for the common layout (src and index
 * contiguous, of the index space's shape): one flat loop per op with the target offset
 * carried along, instead of the reference's callback per element. Other layouts go to the
 * reference. Each target sees the reference's steps in the reference's order, so the results
 * are bit-identical to it.
 */
import type { TypedArray } from "../../dtype.js";
import type { ScatterReduceKernel, StridedView } from "../backend.js";
import { scatterIdentity, scatterReduce } from "../reference/scatter-reduce.js";

function isContiguous(view: StridedView, shape: readonly number[]): boolean {
  if (view.offset !== 0) return false;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d]! !== 1 && view.strides[d] !== stride) return false;
    stride *= shape[d]!;
  }
  return true;
}

/** The fast scatter-reduce; see `Backend.scatterReduce`. */
export function scatterReduceFast(
  op: ScatterReduceKernel,
  src: StridedView,
  index: StridedView,
  out: TypedArray,
  outStrides: readonly number[],
  shape: readonly number[],
  axis: number,
  includeSelf: boolean,
): void {
  if (!isContiguous(src, shape) || !isContiguous(index, shape)) {
    scatterReduce(op, src, index, out, outStrides, shape, axis, includeSelf);
    return;
  }
  const rank = shape.length;
  let size = 1;
  for (const d of shape) size *= d;
  if (size === 0) return;
  // Offsets in `out` of each element with its index taken as 0: an odometer over `shape`.
  const targets = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let base = 0;
  for (let e = 0; e < size; e++) {
    targets[e] = base;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      if (d !== axis) base += outStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      if (d !== axis) base -= outStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  const axisStride = outStrides[axis]!;
  const idx = index.data as Int32Array;
  const s = src.data;
  for (let e = 0; e < size; e++) targets[e] = targets[e]! + idx[e]! * axisStride;
  if (!includeSelf && op !== "assign") {
    const start = scatterIdentity(op, out);
    for (let e = 0; e < size; e++) out[targets[e]!] = start;
  }
  switch (op) {
    case "assign":
      for (let e = 0; e < size; e++) out[targets[e]!] = s[e]!;
      break;
    case "sum":
      for (let e = 0; e < size; e++) out[targets[e]!] = out[targets[e]!]! + s[e]!;
      break;
    case "prod":
      for (let e = 0; e < size; e++) out[targets[e]!] = out[targets[e]!]! * s[e]!;
      break;
    case "amax":
      for (let e = 0; e < size; e++) {
        const t = targets[e]!;
        const v = s[e]!;
        if (Number.isNaN(v) || v > out[t]!) out[t] = v;
      }
      break;
    case "amin":
      for (let e = 0; e < size; e++) {
        const t = targets[e]!;
        const v = s[e]!;
        if (Number.isNaN(v) || v < out[t]!) out[t] = v;
      }
      break;
    case "mean": {
      const count = new Int32Array(out.length);
      for (let e = 0; e < size; e++) {
        const t = targets[e]!;
        out[t] = out[t]! + s[e]!;
        count[t]!++;
      }
      const integer = out instanceof Int32Array;
      const self = includeSelf ? 1 : 0;
      for (let t = 0; t < out.length; t++) {
        if (count[t] === 0) continue;
        const q = out[t]! / (count[t]! + self);
        out[t] = integer ? Math.floor(q) : q;
      }
      break;
    }
  }
}
