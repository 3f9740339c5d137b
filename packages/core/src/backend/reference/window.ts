/**
 * The sliding-window kernels by their definition: for every plane, window position and kernel
 * offset, the input position it reads, over any number of spatial axes. Plain loops with an
 * odometer, written to be obviously correct; the fast backend is tested against them.
 */
import type { TypedArray } from "../../dtype.js";
import type { WindowGeometry } from "../backend.js";

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** Multi-indices of `shape` in row-major order (one empty index for rank 0). */
function indicesOf(shape: readonly number[]): number[][] {
  const all: number[][] = [];
  const count = product(shape);
  for (let flat = 0; flat < count; flat++) {
    const index = new Array<number>(shape.length);
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    all.push(index);
  }
  return all;
}

/**
 * Visits every (plane, kernel offset, window position) in cols' row-major order with the flat
 * position in x it reads, or −1 where that falls outside x.
 */
function forEachTap(
  w: WindowGeometry,
  visit: (plane: number, kernelFlat: number, outFlat: number, inFlat: number) => void,
): void {
  const offsets = indicesOf(w.kernel);
  const positions = indicesOf(w.outShape);
  for (let p = 0; p < w.planes; p++) {
    offsets.forEach((k, kf) => {
      positions.forEach((o, of) => {
        let inFlat = 0;
        for (let d = 0; d < w.inShape.length; d++) {
          const i = w.stride[d]! * o[d]! + w.dilation[d]! * k[d]! - w.padding[d]!;
          if (i < 0 || i >= w.inShape[d]!) {
            inFlat = -1;
            break;
          }
          inFlat = inFlat * w.inShape[d]! + i;
        }
        visit(p, kf, of, inFlat);
      });
    });
  }
}

export function im2col(x: TypedArray, cols: TypedArray, w: WindowGeometry): void {
  const inSize = product(w.inShape);
  const outSize = product(w.outShape);
  const kernelSize = product(w.kernel);
  forEachTap(w, (p, k, o, i) => {
    cols[(p * kernelSize + k) * outSize + o] = i < 0 ? 0 : x[p * inSize + i]!;
  });
}

export function col2im(cols: TypedArray, x: TypedArray, w: WindowGeometry): void {
  const inSize = product(w.inShape);
  const outSize = product(w.outShape);
  const kernelSize = product(w.kernel);
  forEachTap(w, (p, k, o, i) => {
    if (i >= 0) x[p * inSize + i]! += cols[(p * kernelSize + k) * outSize + o]!;
  });
}

export function windowMax(
  x: TypedArray,
  out: TypedArray,
  indices: Int32Array,
  w: WindowGeometry,
): void {
  const inSize = product(w.inShape);
  const outSize = product(w.outShape);
  const best = new Float64Array(w.planes * outSize).fill(Number.NEGATIVE_INFINITY);
  indices.fill(-1);
  // Kernel offsets are visited in row-major order, so `>` keeps the first of equal values.
  forEachTap(w, (p, _k, o, i) => {
    if (i < 0) return;
    const at = p * outSize + o;
    const v = x[p * inSize + i]!;
    // PyTorch's update rule: a NaN always replaces, so the last NaN of a window wins.
    if (indices[at] === -1 || v > best[at]! || Number.isNaN(v)) {
      best[at] = v;
      indices[at] = i;
    }
  });
  for (let j = 0; j < best.length; j++) out[j] = best[j]!;
}

export function windowSum(x: TypedArray, out: TypedArray, w: WindowGeometry): void {
  const inSize = product(w.inShape);
  const outSize = product(w.outShape);
  const acc = new Float64Array(w.planes * outSize);
  forEachTap(w, (p, _k, o, i) => {
    if (i >= 0) acc[p * outSize + o]! += x[p * inSize + i]!;
  });
  for (let j = 0; j < acc.length; j++) out[j] = acc[j]!;
}
