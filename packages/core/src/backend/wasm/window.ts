/**
 * The sliding-window kernels (im2col, col2im, max and sum pooling) for one and two spatial
 * axes (one axis runs as two with a height of 1), and the gather and scatter-add that max
 * pooling's values and gradient run on. Float32 planes run in WebAssembly
 * (assembly/window.ts), split over the worker threads by planes when large; float64 planes run
 * as tight JavaScript loops. For each kernel offset the range of window positions that read
 * inside x is worked out once, so the inner loops carry no bounds test: the padding's zeros
 * are written by `fill` and the rest is a strided copy. Each output element sees the
 * reference's steps in the reference's order, so results are bit-identical to it. More
 * spatial axes go to the reference (no op uses them).
 */
import type { TypedArray } from "../../dtype.js";
import type { WindowGeometry } from "../backend.js";
import * as reference from "../reference/window.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming, runSplit, runtimeFor } from "./split.js";

/** Elements (read plus written) per thread below which splitting a window kernel does not pay. */
const SLICE_MIN_ELEMENTS = 1 << 17;

/** The geometry over exactly two spatial axes, [height, width]. */
export interface Window2d {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly ph: number;
  readonly pw: number;
}

/** The geometry as two spatial axes, or null for more than two. */
export function as2d(g: WindowGeometry): Window2d | null {
  const rank = g.inShape.length;
  if (rank > 2) return null;
  // One axis (or none) becomes the width, under a height of 1.
  const at = (xs: readonly number[], d: number, fill: number) =>
    rank === 2 ? xs[d]! : d === 0 ? fill : (xs[0] ?? fill);
  return {
    planes: g.planes,
    h: at(g.inShape, 0, 1),
    w: at(g.inShape, 1, 1),
    oh: at(g.outShape, 0, 1),
    ow: at(g.outShape, 1, 1),
    kh: at(g.kernel, 0, 1),
    kw: at(g.kernel, 1, 1),
    sh: at(g.stride, 0, 1),
    sw: at(g.stride, 1, 1),
    dh: at(g.dilation, 0, 1),
    dw: at(g.dilation, 1, 1),
    ph: at(g.padding, 0, 0),
    pw: at(g.padding, 1, 0),
  };
}

/** [lo, hi): the positions o in [0, count) with 0 ≤ o·step + offset < size (lo ≤ hi). */
function insideRange(count: number, step: number, offset: number, size: number): [number, number] {
  const lo = Math.min(count, Math.max(0, Math.ceil(-offset / step)));
  const last = size - 1 - offset;
  const hi = last < 0 ? 0 : Math.min(count, Math.floor(last / step) + 1);
  return [lo, Math.max(lo, hi)];
}

function im2col2d(x: TypedArray, cols: TypedArray, g: Window2d): void {
  const { planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw } = g;
  const inSize = h * w;
  const outSize = oh * ow;
  let c = 0;
  for (let p = 0; p < planes; p++) {
    const xBase = p * inSize;
    for (let ki = 0; ki < kh; ki++) {
      const hOff = ki * dh - ph;
      const [oh0, oh1] = insideRange(oh, sh, hOff, h);
      for (let kj = 0; kj < kw; kj++, c += outSize) {
        const wOff = kj * dw - pw;
        const [ow0, ow1] = insideRange(ow, sw, wOff, w);
        if (oh0 > 0) cols.fill(0, c, c + oh0 * ow);
        if (oh1 < oh) cols.fill(0, c + oh1 * ow, c + outSize);
        for (let i = oh0; i < oh1; i++) {
          const row = c + i * ow;
          const src = xBase + (i * sh + hOff) * w + wOff;
          if (ow0 > 0) cols.fill(0, row, row + ow0);
          if (ow1 < ow) cols.fill(0, row + ow1, row + ow);
          if (sw === 1) {
            for (let j = ow0; j < ow1; j++) cols[row + j] = x[src + j]!;
          } else {
            for (let j = ow0; j < ow1; j++) cols[row + j] = x[src + j * sw]!;
          }
        }
      }
    }
  }
}

function col2im2d(cols: TypedArray, x: TypedArray, g: Window2d): void {
  const { planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw } = g;
  const inSize = h * w;
  const outSize = oh * ow;
  let c = 0;
  for (let p = 0; p < planes; p++) {
    const xBase = p * inSize;
    for (let ki = 0; ki < kh; ki++) {
      const hOff = ki * dh - ph;
      const [oh0, oh1] = insideRange(oh, sh, hOff, h);
      for (let kj = 0; kj < kw; kj++, c += outSize) {
        const wOff = kj * dw - pw;
        const [ow0, ow1] = insideRange(ow, sw, wOff, w);
        for (let i = oh0; i < oh1; i++) {
          const row = c + i * ow;
          const dst = xBase + (i * sh + hOff) * w + wOff;
          if (sw === 1) {
            for (let j = ow0; j < ow1; j++) x[dst + j]! += cols[row + j]!;
          } else {
            for (let j = ow0; j < ow1; j++) x[dst + j * sw]! += cols[row + j]!;
          }
        }
      }
    }
  }
}

/** For each window position along one axis, the kernel offsets that read inside x. */
function kernelRanges(
  count: number,
  stride: number,
  pad: number,
  kernel: number,
  dilation: number,
  size: number,
) {
  const lo = new Int32Array(count);
  const hi = new Int32Array(count);
  for (let o = 0; o < count; o++) {
    [lo[o], hi[o]] = insideRange(kernel, dilation, o * stride - pad, size);
  }
  return { lo, hi };
}

/**
 * 2×2 windows without dilation that all lie inside x (the usual max-pool): four loads per
 * output and no loop over the kernel, which halves the time of the general loop.
 */
function windowMax2x2(x: TypedArray, out: TypedArray, indices: Int32Array, g: Window2d): void {
  const { planes, h, w, oh, ow, sh, sw, ph, pw } = g;
  const inSize = h * w;
  let at = 0;
  for (let p = 0; p < planes; p++) {
    const xBase = p * inSize;
    for (let i = 0; i < oh; i++) {
      const top = (i * sh - ph) * w - pw;
      for (let j = 0; j < ow; j++, at++) {
        // The taps in the reference's order, under its update rule (see windowMax2d).
        let index = top + j * sw;
        let best = x[xBase + index]!;
        let v = x[xBase + index + 1]!;
        if (v > best || Number.isNaN(v)) {
          best = v;
          index += 1;
        }
        const below = top + j * sw + w;
        v = x[xBase + below]!;
        if (v > best || Number.isNaN(v)) {
          best = v;
          index = below;
        }
        v = x[xBase + below + 1]!;
        if (v > best || Number.isNaN(v)) {
          best = v;
          index = below + 1;
        }
        out[at] = best;
        indices[at] = index;
      }
    }
  }
}

function windowMax2d(x: TypedArray, out: TypedArray, indices: Int32Array, g: Window2d): void {
  const { planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw } = g;
  const inside = (count: number, step: number, pad: number, size: number) =>
    pad === 0 && (count - 1) * step + 2 <= size;
  if (
    kh === 2 &&
    kw === 2 &&
    dh === 1 &&
    dw === 1 &&
    inside(oh, sh, ph, h) &&
    inside(ow, sw, pw, w)
  ) {
    windowMax2x2(x, out, indices, g);
    return;
  }
  const rows = kernelRanges(oh, sh, ph, kh, dh, h);
  const columns = kernelRanges(ow, sw, pw, kw, dw, w);
  const inSize = h * w;
  let at = 0;
  for (let p = 0; p < planes; p++) {
    const xBase = p * inSize;
    for (let i = 0; i < oh; i++) {
      const ih0 = i * sh - ph;
      const ki0 = rows.lo[i]!;
      const ki1 = rows.hi[i]!;
      for (let j = 0; j < ow; j++, at++) {
        const iw0 = j * sw - pw;
        const kj0 = columns.lo[j]!;
        const kj1 = columns.hi[j]!;
        let best = Number.NEGATIVE_INFINITY;
        let bestIndex = -1;
        for (let ki = ki0; ki < ki1; ki++) {
          const rowStart = (ih0 + ki * dh) * w + iw0;
          for (let kj = kj0; kj < kj1; kj++) {
            const index = rowStart + kj * dw;
            const v = x[xBase + index]!;
            // PyTorch's update rule: the first position, anything larger, and every NaN.
            if (bestIndex === -1 || v > best || Number.isNaN(v)) {
              best = v;
              bestIndex = index;
            }
          }
        }
        out[at] = best;
        indices[at] = bestIndex;
      }
    }
  }
}

function windowSum2d(x: TypedArray, out: TypedArray, g: Window2d): void {
  const { planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw } = g;
  const rows = kernelRanges(oh, sh, ph, kh, dh, h);
  const columns = kernelRanges(ow, sw, pw, kw, dw, w);
  const inSize = h * w;
  let at = 0;
  for (let p = 0; p < planes; p++) {
    const xBase = p * inSize;
    for (let i = 0; i < oh; i++) {
      const ih0 = i * sh - ph;
      const ki0 = rows.lo[i]!;
      const ki1 = rows.hi[i]!;
      for (let j = 0; j < ow; j++, at++) {
        const start = xBase + ih0 * w + j * sw - pw;
        const kj0 = columns.lo[j]!;
        const kj1 = columns.hi[j]!;
        let sum = 0;
        for (let ki = ki0; ki < ki1; ki++) {
          const rowStart = start + ki * dh * w;
          for (let kj = kj0; kj < kj1; kj++) sum += x[rowStart + kj * dw]!;
        }
        out[at] = sum;
      }
    }
  }
}

/** The geometry's sizes in the order the WebAssembly kernels take them, after the planes. */
export function geometryArgs(g: Window2d): number[] {
  return [g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw];
}

/**
 * Copies `arrays` (float32 or int32, by element count) into a fresh allocation each, or
 * returns null when the memory is full. `copy` says which hold input to copy in; a null array
 * (an absent optional operand) takes no room and gets address 0.
 */
export function place(
  runtime: KernelRuntime,
  arrays: readonly (Float32Array | Int32Array | null)[],
  copy: readonly boolean[],
): number[] | null {
  runtime.reset();
  const at: number[] = [];
  for (const a of arrays) {
    const address = a ? runtime.allocate(a.length * 4) : 0;
    if (address < 0) return null;
    at.push(address);
  }
  arrays.forEach((a, i) => {
    if (!a || !copy[i]) return;
    if (a instanceof Float32Array) runtime.f32.set(a, at[i]! >> 2);
    else runtime.i32.set(a, at[i]! >> 2);
  });
  return at;
}

/** Copies a kernel's result at `address` back into `out`. */
export function takeBack(
  runtime: KernelRuntime,
  address: number,
  out: Float32Array | Int32Array,
): void {
  const from = out instanceof Float32Array ? runtime.f32 : runtime.i32;
  out.set(from.subarray(address >> 2, (address >> 2) + out.length));
}

/** Planes per slice so that a slice moves at least SLICE_MIN_ELEMENTS. */
export function minPlanes(elements: number, planes: number): number {
  return Math.ceil((SLICE_MIN_ELEMENTS * planes) / Math.max(1, elements));
}

/** A window kernel call's shape, for timing splits: the kernel, its planes, window and work. */
function shapeKey(kernel: string, g: Window2d, work: number): string {
  return `${kernel} ${g.planes} ${g.h}×${g.w} ${g.kh}×${g.kw} ${g.sh}×${g.sw} ${work}`;
}

/** im2col of float32 planes in WebAssembly; false (nothing written) where it cannot run. */
function im2colWasm(x: Float32Array, cols: Float32Array, g: Window2d): boolean {
  const work = x.length + cols.length;
  const runtime = runtimeFor(work, SLICE_MIN_ELEMENTS, () => shapeKey("im2col", g, work));
  const at = runtime && place(runtime, [x, cols], [true, false]);
  if (!runtime || !at) return false;
  const geometry = geometryArgs(g);
  runSplit(runtime, "im2colF32", g.planes, minPlanes(work, g.planes), (p0, p1) => [
    at[0]!,
    at[1]!,
    p0,
    p1,
    ...geometry,
  ]);
  takeBack(runtime, at[1]!, cols);
  endSplitTiming();
  return true;
}

/** col2im of float32 planes in WebAssembly; false (nothing written) where it cannot run. */
function col2imWasm(cols: Float32Array, x: Float32Array, g: Window2d): boolean {
  const work = x.length + cols.length;
  const runtime = runtimeFor(work, SLICE_MIN_ELEMENTS, () => shapeKey("col2im", g, work));
  const at = runtime && place(runtime, [cols, x], [true, true]);
  if (!runtime || !at) return false;
  const geometry = geometryArgs(g);
  runSplit(runtime, "col2imF32", g.planes, minPlanes(work, g.planes), (p0, p1) => [
    at[0]!,
    at[1]!,
    p0,
    p1,
    ...geometry,
  ]);
  takeBack(runtime, at[1]!, x);
  endSplitTiming();
  return true;
}

/** Max pooling of float32 planes in WebAssembly; false (nothing written) where it cannot run. */
function windowMaxWasm(
  x: Float32Array,
  out: Float32Array,
  indices: Int32Array,
  g: Window2d,
): boolean {
  const work = x.length + 2 * out.length;
  const runtime = runtimeFor(work, SLICE_MIN_ELEMENTS, () => shapeKey("windowMax", g, work));
  const at = runtime && place(runtime, [x, out, indices], [true, false, false]);
  if (!runtime || !at) return false;
  const geometry = geometryArgs(g);
  runSplit(runtime, "windowMaxF32", g.planes, minPlanes(work, g.planes), (p0, p1) => [
    at[0]!,
    at[1]!,
    at[2]!,
    p0,
    p1,
    ...geometry,
  ]);
  takeBack(runtime, at[1]!, out);
  takeBack(runtime, at[2]!, indices);
  endSplitTiming();
  return true;
}

/** Sum pooling of float32 planes in WebAssembly; false (nothing written) where it cannot run. */
function windowSumWasm(x: Float32Array, out: Float32Array, g: Window2d): boolean {
  const work = x.length + out.length;
  const runtime = runtimeFor(work, SLICE_MIN_ELEMENTS, () => shapeKey("windowSum", g, work));
  const at = runtime && place(runtime, [x, out], [true, false]);
  if (!runtime || !at) return false;
  const geometry = geometryArgs(g);
  runSplit(runtime, "windowSumF32", g.planes, minPlanes(work, g.planes), (p0, p1) => [
    at[0]!,
    at[1]!,
    p0,
    p1,
    ...geometry,
  ]);
  takeBack(runtime, at[1]!, out);
  endSplitTiming();
  return true;
}

/** Whether every array is float32 and some plane has elements (else the JavaScript loop). */
function float32Planes(g: Window2d, ...arrays: TypedArray[]): boolean {
  return g.planes > 0 && arrays.every((a) => a instanceof Float32Array);
}

/** The fast im2col; see `Backend.im2col`. */
export function im2colFast(x: TypedArray, cols: TypedArray, g: WindowGeometry): void {
  const g2 = as2d(g);
  if (!g2) reference.im2col(x, cols, g);
  else if (
    !float32Planes(g2, x, cols) ||
    !im2colWasm(x as Float32Array, cols as Float32Array, g2)
  ) {
    im2col2d(x, cols, g2);
  }
}

/** The fast col2im; see `Backend.col2im`. */
export function col2imFast(cols: TypedArray, x: TypedArray, g: WindowGeometry): void {
  const g2 = as2d(g);
  if (!g2) reference.col2im(cols, x, g);
  else if (
    !float32Planes(g2, x, cols) ||
    !col2imWasm(cols as Float32Array, x as Float32Array, g2)
  ) {
    col2im2d(cols, x, g2);
  }
}

/** The fast max pooling; see `Backend.windowMax`. */
export function windowMaxFast(
  x: TypedArray,
  out: TypedArray,
  indices: Int32Array,
  g: WindowGeometry,
): void {
  const g2 = as2d(g);
  if (!g2) reference.windowMax(x, out, indices, g);
  else if (
    !float32Planes(g2, x, out) ||
    !windowMaxWasm(x as Float32Array, out as Float32Array, indices, g2)
  ) {
    windowMax2d(x, out, indices, g2);
  }
}

/** The fast sum pooling; see `Backend.windowSum`. */
export function windowSumFast(x: TypedArray, out: TypedArray, g: WindowGeometry): void {
  const g2 = as2d(g);
  if (!g2) reference.windowSum(x, out, g);
  else if (
    !float32Planes(g2, x, out) ||
    !windowSumWasm(x as Float32Array, out as Float32Array, g2)
  ) {
    windowSum2d(x, out, g2);
  }
}

/**
 * The fast scatter-add (see `Backend.scatterAdd`), which max pooling's gradient runs on: one
 * flat loop when each line has a single element across (`inner` 1, the argmax indices of a
 * plane), the reference's loop nest otherwise, in the reference's order either way.
 */
export function scatterAddFast(
  g: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * axisLen;
      const from = o * indexLen;
      for (let j = from; j < from + indexLen; j++) out[base + index[j]!]! += g[j]!;
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexLen; j++) {
      const from = (o * indexLen + j) * inner;
      const to = o * axisLen * inner;
      for (let i = 0; i < inner; i++) out[to + index[from + i]! * inner + i]! += g[from + i]!;
    }
  }
}

/**
 * The fast gather (see `Backend.gather`), which max pooling's values are read back with when
 * they need a gradient: one flat loop for `inner` 1, the reference's loop nest otherwise.
 */
export function gatherFast(
  x: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * axisLen;
      const from = o * indexLen;
      for (let j = from; j < from + indexLen; j++) out[j] = x[base + index[j]!]!;
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexLen; j++) {
      const at = (o * indexLen + j) * inner;
      const from = o * axisLen * inner;
      for (let i = 0; i < inner; i++) out[at + i] = x[from + index[at + i]! * inner + i]!;
    }
  }
}
