/**
 * Strided copies of any rank (permutations such as attention's [B, T, H, D] → [B, H, T, D],
 * slices, broadcasts, dtype casts). The view is first collapsed (size-1 axes dropped,
 * neighbours that both sides walk as one merged). A large float32 view of up to four axes
 * with short rows, copied into a contiguous array, goes to the WebAssembly kernel; otherwise
 * the innermost axis left and the longest of the others are copied as a block under an
 * odometer over the rest. A block whose source
 * is read across its rows (a transpose) is copied in square tiles, so that the lines it
 * reads stay in cache while their columns are written. Float32 and float64 copies run in
 * loops of their own, which the engine compiles for one element type; other pairs share a
 * general loop. Each element is assigned once, converting as an assignment does, so the
 * result is exactly the reference's.
 */
import type { TypedArray } from "../../dtype.js";
import type { StridedView } from "../backend.js";
import { collapse } from "./elementwise.js";
import { getLocalRuntime } from "./runtime.js";

/** Side of the square tiles a transposing block is copied in. */
const TILE = 32;

/** Contiguous runs at least this long are copied with TypedArray.set (whose call costs more on short runs). */
const SET_MIN_RUN = 64;

/**
 * Copies a rows × n block: to[dBase + r·dRow + j·dStep] = from[sBase + r·sRow + j·sStep].
 * One function per element-type pair keeps each loop monomorphic.
 */
type Block<S extends TypedArray, D extends TypedArray> = (
  from: S,
  sBase: number,
  sRow: number,
  sStep: number,
  to: D,
  dBase: number,
  dRow: number,
  dStep: number,
  rows: number,
  n: number,
) => void;

const blockF32: Block<Float32Array, Float32Array> = (
  from,
  sBase,
  sRow,
  sStep,
  to,
  dBase,
  dRow,
  dStep,
  rows,
  n,
) => {
  if (sStep === 1 && dStep === 1 && n >= SET_MIN_RUN) {
    for (let r = 0; r < rows; r++) {
      const s = sBase + r * sRow;
      to.set(from.subarray(s, s + n), dBase + r * dRow);
    }
  } else if (sStep === 1 && dStep === 1) {
    // Short runs (a head's features): the loop without strides, which the engine compiles
    // to fewer instructions per element.
    for (let r = 0; r < rows; r++) {
      const s = sBase + r * sRow;
      const d = dBase + r * dRow;
      for (let j = 0; j < n; j++) to[d + j] = from[s + j]!;
    }
  } else if (sStep === 0 && dStep === 1) {
    // A value broadcast along the row (a per-row statistic expanded over the features).
    for (let r = 0; r < rows; r++) {
      const d = dBase + r * dRow;
      to.fill(from[sBase + r * sRow]!, d, d + n);
    }
  } else if (sStep !== 1 && rows >= TILE && n >= TILE && Math.abs(sRow) < Math.abs(sStep)) {
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let j0 = 0; j0 < n; j0 += TILE) {
        const j1 = Math.min(n, j0 + TILE);
        for (let r = r0; r < r1; r++) {
          let s = sBase + r * sRow + j0 * sStep;
          let d = dBase + r * dRow + j0 * dStep;
          for (let j = j0; j < j1; j++, s += sStep, d += dStep) to[d] = from[s]!;
        }
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      let s = sBase + r * sRow;
      let d = dBase + r * dRow;
      for (let j = 0; j < n; j++, s += sStep, d += dStep) to[d] = from[s]!;
    }
  }
};

const blockF64: Block<Float64Array, Float64Array> = (
  from,
  sBase,
  sRow,
  sStep,
  to,
  dBase,
  dRow,
  dStep,
  rows,
  n,
) => {
  if (sStep === 1 && dStep === 1 && n >= SET_MIN_RUN) {
    for (let r = 0; r < rows; r++) {
      const s = sBase + r * sRow;
      to.set(from.subarray(s, s + n), dBase + r * dRow);
    }
  } else if (sStep === 1 && dStep === 1) {
    // Short runs (a head's features): the loop without strides, which the engine compiles
    // to fewer instructions per element.
    for (let r = 0; r < rows; r++) {
      const s = sBase + r * sRow;
      const d = dBase + r * dRow;
      for (let j = 0; j < n; j++) to[d + j] = from[s + j]!;
    }
  } else if (sStep === 0 && dStep === 1) {
    // A value broadcast along the row (a per-row statistic expanded over the features).
    for (let r = 0; r < rows; r++) {
      const d = dBase + r * dRow;
      to.fill(from[sBase + r * sRow]!, d, d + n);
    }
  } else if (sStep !== 1 && rows >= TILE && n >= TILE && Math.abs(sRow) < Math.abs(sStep)) {
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let j0 = 0; j0 < n; j0 += TILE) {
        const j1 = Math.min(n, j0 + TILE);
        for (let r = r0; r < r1; r++) {
          let s = sBase + r * sRow + j0 * sStep;
          let d = dBase + r * dRow + j0 * dStep;
          for (let j = j0; j < j1; j++, s += sStep, d += dStep) to[d] = from[s]!;
        }
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      let s = sBase + r * sRow;
      let d = dBase + r * dRow;
      for (let j = 0; j < n; j++, s += sStep, d += dStep) to[d] = from[s]!;
    }
  }
};

/** Any other pair of element types: broadcast runs with fill, same-type runs with set. */
const blockAny: Block<TypedArray, TypedArray> = (
  from,
  sBase,
  sRow,
  sStep,
  to,
  dBase,
  dRow,
  dStep,
  rows,
  n,
) => {
  const sameType = from.constructor === to.constructor;
  for (let r = 0; r < rows; r++) {
    let s = sBase + r * sRow;
    let d = dBase + r * dRow;
    if (dStep === 1 && sStep === 1 && sameType) {
      (to as Float64Array).set((from as Float64Array).subarray(s, s + n), d);
    } else if (dStep === 1 && sStep === 0) {
      (to as Float64Array).fill(from[s]!, d, d + n);
    } else {
      for (let j = 0; j < n; j++, s += sStep, d += dStep) to[d] = from[s]!;
    }
  }
};

function blockFor(from: TypedArray, to: TypedArray): Block<TypedArray, TypedArray> {
  if (from instanceof Float32Array && to instanceof Float32Array) {
    return blockF32 as Block<TypedArray, TypedArray>;
  }
  if (from instanceof Float64Array && to instanceof Float64Array) {
    return blockF64 as Block<TypedArray, TypedArray>;
  }
  return blockAny;
}

/**
 * Float32 copies of at least this many elements, made contiguous from a view whose rows are
 * short (attention's heads: runs of a head's 32 features), run in WebAssembly: a JavaScript
 * loop moves about one element per 3 ns here, the kernel copies in, permutes and copies out
 * in about a third of that.
 */
const PERMUTE_MIN_ELEMENTS = 1 << 16;

/**
 * `src` (collapsed to `shape` and `strides`, at most four axes, rows shorter than
 * SET_MIN_RUN) copied into the contiguous `dst` by the WebAssembly kernel; false (nothing
 * written) where that does not apply or the memory is full.
 */
function permuteWasm(
  src: StridedView,
  dst: StridedView,
  shape: readonly number[],
  strides: readonly number[],
): boolean {
  const rank = shape.length;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(src.data instanceof Float32Array && dst.data instanceof Float32Array)) return false;
  if (rank < 2 || rank > 4 || count < PERMUTE_MIN_ELEMENTS) return false;
  if (strides[rank - 1] !== 1 || shape[rank - 1]! >= SET_MIN_RUN) return false;
  // The span of src the view reads; copied whole, so it must not be much more than the view.
  let lo = src.offset;
  let hi = src.offset;
  for (let d = 0; d < rank; d++) {
    const reach = (shape[d]! - 1) * strides[d]!;
    if (strides[d] === 0) return false;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  if (hi + 1 - lo > 2 * count) return false;
  const runtime = getLocalRuntime();
  if (!runtime) return false;
  runtime.reset();
  const from = runtime.allocate((hi + 1 - lo) * 4);
  const to = runtime.allocate(count * 4);
  if (from < 0 || to < 0) return false;
  const view = runtime.f32;
  view.set(src.data.subarray(lo, hi + 1), from >> 2);
  const pad = 4 - rank;
  const sizes = [...Array<number>(pad).fill(1), ...shape];
  const steps = [...Array<number>(pad).fill(0), ...strides];
  runtime.exports.permuteF32(from + (src.offset - lo) * 4, to, ...sizes, ...steps);
  dst.data.set(view.subarray(to >> 2, (to >> 2) + count), dst.offset);
  return true;
}

/** Whether `strides` are the row-major contiguous strides of `shape`. */
function contiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (strides[d] !== step) return false;
    step *= shape[d]!;
  }
  return true;
}

/** Copies the view `src` of `shape` into the view `dst`, any rank; see `Backend.copy`. */
export function copyStrided(src: StridedView, dst: StridedView, shape: readonly number[]): void {
  for (const size of shape) if (size === 0) return;
  const c = collapse(shape, [src.strides, dst.strides]);
  const rank = c.shape.length;
  const [ss, ds] = c.strides as [number[], number[]];
  if (contiguous(c.shape, ds) && permuteWasm(src, dst, c.shape, ss)) return;
  const block = blockFor(src.data, dst.data);
  if (rank <= 2) {
    const n = rank === 0 ? 1 : c.shape[rank - 1]!;
    const rows = rank === 2 ? c.shape[0]! : 1;
    const sStep = rank === 0 ? 0 : ss[rank - 1]!;
    const dStep = rank === 0 ? 0 : ds[rank - 1]!;
    const sRow = rank === 2 ? ss[0]! : 0;
    const dRow = rank === 2 ? ds[0]! : 0;
    block(src.data, src.offset, sRow, sStep, dst.data, dst.offset, dRow, dStep, rows, n);
    return;
  }
  // Each block is the innermost axis by the longest other axis (the fewest calls); an
  // odometer walks the rest. The order in which blocks are written does not change the result.
  let rowAxis = 0;
  for (let axis = 1; axis < rank - 1; axis++) {
    if (c.shape[axis]! > c.shape[rowAxis]!) rowAxis = axis;
  }
  const rows = c.shape[rowAxis]!;
  const n = c.shape[rank - 1]!;
  const sRow = ss[rowAxis]!;
  const dRow = ds[rowAxis]!;
  const sStep = ss[rank - 1]!;
  const dStep = ds[rank - 1]!;
  const sizes: number[] = [];
  const sOuter: number[] = [];
  const dOuter: number[] = [];
  for (let axis = 0; axis < rank - 1; axis++) {
    if (axis === rowAxis) continue;
    sizes.push(c.shape[axis]!);
    sOuter.push(ss[axis]!);
    dOuter.push(ds[axis]!);
  }
  const outer = sizes.length;
  const index = new Array<number>(outer).fill(0);
  let s = src.offset;
  let d = dst.offset;
  for (;;) {
    block(src.data, s, sRow, sStep, dst.data, d, dRow, dStep, rows, n);
    let axis = outer - 1;
    for (; axis >= 0; axis--) {
      s += sOuter[axis]!;
      d += dOuter[axis]!;
      if (++index[axis]! < sizes[axis]!) break;
      s -= sOuter[axis]! * sizes[axis]!;
      d -= dOuter[axis]! * sizes[axis]!;
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}
