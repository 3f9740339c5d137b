/**
 * The reference sort along one axis: each line copied out, its positions sorted with a
 * comparator, written back. Obviously correct rather than fast; the fast backends' sorts are
 * held to it bit for bit.
 */
import type { TypedArray } from "../../dtype.js";

/**
 * The order of two elements: negative when `a` comes first. NaN is larger than every number
 * and equal to itself, as PyTorch sorts it; −0 and 0 are equal, so their original order
 * decides.
 */
export function compareForSort(a: number, b: number, descending: boolean): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  let ascending: number;
  if (aNaN || bNaN) ascending = aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  else ascending = a < b ? -1 : a > b ? 1 : 0;
  return descending ? -ascending : ascending;
}

/** See `Backend.sort`. Always stable: equal elements keep their original order. */
export function sort(
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  values: TypedArray,
  indices: Int32Array,
  descending: boolean,
  _stable: boolean,
): void {
  const line = new Float64Array(axisLen);
  const order = new Array<number>(axisLen);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLen * inner + i;
      for (let j = 0; j < axisLen; j++) {
        line[j] = x[base + j * inner]!;
        order[j] = j;
      }
      order.sort((a, b) => compareForSort(line[a]!, line[b]!, descending) || a - b);
      for (let j = 0; j < axisLen; j++) {
        values[base + j * inner] = line[order[j]!]!;
        indices[base + j * inner] = order[j]!;
      }
    }
  }
}
