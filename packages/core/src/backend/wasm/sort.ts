/**
 * The sort kernel in plain JavaScript: each line copied into float64 scratch with its NaNs
 * set apart (they all go to the end ascending, to the front descending, in order), the rest
 * sorted ascending by a stable merge sort over typed arrays (insertion-sorted runs, then
 * bottom-up merges) with no comparator calls; a descending sort sorts the negated numbers,
 * which reverses the order and keeps ties tied. A stable sort under the reference's order is unique, so
 * the results are bit-identical to the reference's.
 */
import type { TypedArray } from "../../dtype.js";

/** Length of the runs insertion sort prepares before merging. */
const RUN = 24;

/** Stably sorts keys[lo, hi) (no NaN among them) ascending, with their positions `pos`. */
function sortRange(
  keys: Float64Array,
  pos: Int32Array,
  lo: number,
  hi: number,
  tmpKeys: Float64Array,
  tmpPos: Int32Array,
): void {
  // Insertion sort on each run: shift while the previous element must come strictly after.
  for (let start = lo; start < hi; start += RUN) {
    const end = Math.min(start + RUN, hi);
    for (let j = start + 1; j < end; j++) {
      const k = keys[j]!;
      const p = pos[j]!;
      let i = j - 1;
      while (i >= start && keys[i]! > k) {
        keys[i + 1] = keys[i]!;
        pos[i + 1] = pos[i]!;
        i--;
      }
      keys[i + 1] = k;
      pos[i + 1] = p;
    }
  }
  // Bottom-up merges, alternating between the line and the scratch arrays.
  let fromKeys = keys;
  let fromPos = pos;
  let toKeys = tmpKeys;
  let toPos = tmpPos;
  for (let width = RUN; width < hi - lo; width *= 2) {
    for (let left = lo; left < hi; left += 2 * width) {
      const mid = Math.min(left + width, hi);
      const right = Math.min(left + 2 * width, hi);
      let a = left;
      let b = mid;
      let out = left;
      while (a < mid && b < right) {
        const ka = fromKeys[a]!;
        const kb = fromKeys[b]!;
        // The right element goes first only when strictly before: that keeps the sort stable.
        if (kb < ka) {
          toKeys[out] = kb;
          toPos[out++] = fromPos[b++]!;
        } else {
          toKeys[out] = ka;
          toPos[out++] = fromPos[a++]!;
        }
      }
      while (a < mid) {
        toKeys[out] = fromKeys[a]!;
        toPos[out++] = fromPos[a++]!;
      }
      while (b < right) {
        toKeys[out] = fromKeys[b]!;
        toPos[out++] = fromPos[b++]!;
      }
    }
    [fromKeys, toKeys] = [toKeys, fromKeys];
    [fromPos, toPos] = [toPos, fromPos];
  }
  if (fromKeys !== keys) {
    keys.set(fromKeys.subarray(lo, hi), lo);
    pos.set(fromPos.subarray(lo, hi), lo);
  }
}

/** The fast sort; see `Backend.sort`. */
export function sortFast(
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  values: TypedArray,
  indices: Int32Array,
  descending: boolean,
  _stable: boolean,
): void {
  const keys = new Float64Array(axisLen);
  const pos = new Int32Array(axisLen);
  const tmpKeys = new Float64Array(axisLen);
  const tmpPos = new Int32Array(axisLen);
  const mayHoldNaN = x instanceof Float32Array || x instanceof Float64Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLen * inner + i;
      let nans = 0;
      if (mayHoldNaN) {
        for (let j = 0, k = base; j < axisLen; j++, k += inner) if (Number.isNaN(x[k]!)) nans++;
      }
      // Numbers fill [lo, hi); NaNs (in their original order) the rest of the line.
      const lo = descending ? nans : 0;
      const hi = lo + axisLen - nans;
      let n = lo;
      let m = descending ? 0 : hi;
      for (let j = 0, k = base; j < axisLen; j++, k += inner) {
        const v = x[k]!;
        if (Number.isNaN(v)) {
          keys[m] = v;
          pos[m++] = j;
        } else {
          keys[n] = descending ? -v : v;
          pos[n++] = j;
        }
      }
      sortRange(keys, pos, lo, hi, tmpKeys, tmpPos);
      // Values are read back from x by position, so −0 and NaN payloads come out unchanged.
      for (let j = 0, k = base; j < axisLen; j++, k += inner) {
        values[k] = x[base + pos[j]! * inner]!;
        indices[k] = pos[j]!;
      }
    }
  }
}
