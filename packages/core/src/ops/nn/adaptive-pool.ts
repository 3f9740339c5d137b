import { noGrad } from "../../autograd/grad-mode.js";
import { tensor } from "../../creation.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { argmax } from "../argmax.js";
import { gather } from "../gather.js";
import { indexSelect } from "../indexing/index-select.js";
import { asTensor, onDevice, requireFloat } from "../kernels.js";
import { matmul } from "../matmul.js";
import { max } from "../max.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { booleanOption, type ValuesAndIndices } from "../sorting/sort.js";
import { asBatch } from "./window-args.js";

/** An output size per spatial axis, or one for all; null keeps that axis's input size. */
export type AdaptiveSize = number | readonly (number | null)[];

/** Window o of `count` over an axis of `size`: [⌊o·size/count⌋, ⌈(o + 1)·size/count⌉). */
function adaptiveRange(o: number, size: number, count: number): [number, number] {
  return [Math.floor((o * size) / count), Math.ceil(((o + 1) * size) / count)];
}

/** The output size per spatial axis, checked; null entries keep the input's. */
function outputSizes(op: string, outputSize: AdaptiveSize, x: Tensor, spatial: number): number[] {
  const inShape = x.shape.slice(2);
  const values =
    typeof outputSize === "number" ? inShape.map(() => outputSize) : [...(outputSize ?? [])];
  const shown = typeof outputSize === "number" ? String(outputSize) : `[${values.join(", ")}]`;
  if (values.length !== spatial) {
    throw new ValueError(op, `outputSize must be a number or an array of ${spatial}; got ${shown}`);
  }
  const sizes = values.map((v, d) => (v === null ? inShape[d]! : v));
  if (sizes.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < 0)) {
    throw new ValueError(op, `outputSize must hold non-negative integers; got ${shown}`);
  }
  return sizes;
}

/** Rejects an input with an empty spatial axis, which no window can be taken from. */
function checkNonEmpty(op: string, x: Tensor, xShape: readonly number[]): void {
  if (x.shape.slice(2).some((d) => d === 0)) {
    throw new ShapeError(op, "expects nonempty spatial axes", { x: xShape });
  }
}

/**
 * The averaging matrix of one axis: row o holds 1/len over window o's elements, so that
 * averaging along the axis is a product with it.
 */
function averagingMatrix(size: number, count: number, x: Tensor): Tensor {
  const m = new Array<number>(count * size).fill(0);
  for (let o = 0; o < count; o++) {
    const [start, end] = adaptiveRange(o, size, count);
    for (let i = start; i < end; i++) m[o * size + i] = 1 / (end - start);
  }
  return tensor(m, { dtype: x.dtype, shape: [count, size], device: x.device });
}

function adaptiveAvgPool(op: string, spatial: number, input: TensorLike, outputSize: AdaptiveSize) {
  const t = asTensor(input);
  requireFloat(op, t);
  const batch = asBatch(op, t, spatial);
  const x = batch.x;
  const sizes = outputSizes(op, outputSize, x, spatial);
  checkNonEmpty(op, x, t.shape);
  // Averaging is separable: along the last axis as x · Awᵀ, along the one before as Ah · x.
  const w = x.shape[x.rank - 1]!;
  let y = matmul(x, averagingMatrix(w, sizes[spatial - 1]!, x), { transB: true });
  if (spatial === 2) y = matmul(averagingMatrix(x.shape[2]!, sizes[0]!, x), y);
  return batch.restore(y);
}

/**
 * 1-D adaptive average pooling (PyTorch's `adaptive_avg_pool1d`): output position o averages
 * input positions ⌊o·L/L_out⌋ up to ⌈(o + 1)·L/L_out⌉, as a product with an averaging matrix.
 * x: [N, C, L] (or [C, L]) → [N, C, L_out]
 * @example adaptiveAvgPool1d(tensor([[[1, 3, 2, 0]]]), 2) // [[[2, 1]]]
 */
export function adaptiveAvgPool1d(x: TensorLike, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPool("adaptiveAvgPool1d", 1, x, outputSize);
}

/**
 * 2-D adaptive average pooling (PyTorch's `adaptive_avg_pool2d`): the windows of
 * `adaptiveAvgPool1d` on each axis, as products with an averaging matrix on either side.
 * x: [N, C, H, W] (or [C, H, W]) → [N, C, H_out, W_out]
 * @example adaptiveAvgPool2d(ones([1, 2, 5, 7]), 1).shape // [1, 2, 1, 1]
 */
export function adaptiveAvgPool2d(x: TensorLike, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPool("adaptiveAvgPool2d", 2, x, outputSize);
}

/**
 * For each window of one axis, its positions padded to the longest window's length by
 * repeating the last (a repeat cannot change a maximum or the first position reaching it).
 */
function windowPositions(size: number, count: number): { index: Tensor; taps: number } {
  let taps = 0;
  for (let o = 0; o < count; o++) {
    const [start, end] = adaptiveRange(o, size, count);
    taps = Math.max(taps, end - start);
  }
  const index: number[] = [];
  for (let o = 0; o < count; o++) {
    const [start, end] = adaptiveRange(o, size, count);
    for (let k = 0; k < taps; k++) index.push(Math.min(start + k, end - 1));
  }
  return { index: tensor(index, { dtype: "int32" }), taps };
}

/** Where window o's taps start in `windowPositions`' flat index: o·taps, laid out as `shape`. */
function tapOffsets(count: number, taps: number, shape: readonly number[]): Tensor {
  const offsets = Array.from({ length: count }, (_, o) => o * taps);
  return tensor(offsets, { dtype: "int32", shape });
}

/** Options of `adaptiveMaxPool2d`. */
export interface AdaptiveMaxPoolOptions {
  /** Also return the flat position h·W + w of each maximum within its plane. Default false. */
  readonly returnIndices?: boolean;
}

/**
 * The flat position of each adaptive window's maximum in its [H, W] plane, the first in
 * row-major order among equal values: the maximum is separable, so each row's best column
 * per output column is found first, then the best of those rows per output row.
 */
function adaptiveArgmax(x: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const cols = windowPositions(w, ow);
  const rows = windowPositions(h, oh);
  // Along W: the best tap of every row's windows, and the column it is at.
  const alongW = reshape(indexSelect(x, 3, cols.index), [n, c, h, ow, cols.taps]);
  const tapW = argmax(alongW, 4);
  const tapsW = add(tapW, tapOffsets(ow, cols.taps, [ow]));
  const columnOf = reshape(indexSelect(cols.index, 0, reshape(tapsW, [tapW.size])), [n, c, h, ow]);
  const rowMax = max(alongW, 4);
  // Along H: the best row of each window of those row maxima.
  const alongH = reshape(indexSelect(rowMax, 2, rows.index), [n, c, oh, rows.taps, ow]);
  const tapH = argmax(alongH, 3);
  const tapsH = add(tapH, tapOffsets(oh, rows.taps, [oh, 1]));
  const row = reshape(indexSelect(rows.index, 0, reshape(tapsH, [tapH.size])), [n, c, oh, ow]);
  return add(mul(row, w), gather(columnOf, 2, row));
}

/**
 * 2-D adaptive max pooling (PyTorch's `adaptive_max_pool2d`): the largest element of each
 * of `adaptiveAvgPool2d`'s windows; with `returnIndices`, also its flat position h·W + w.
 * The gradient goes to that position. Among NaNs the first in row-major order is taken
 * (PyTorch takes the last).
 * x: [N, C, H, W] (or [C, H, W]) → [N, C, H_out, W_out]
 * @example adaptiveMaxPool2d(arange(0, 16, 1, { dtype: "float32" }).reshape([1, 1, 4, 4]), 1) // [[[[15]]]]
 */
export function adaptiveMaxPool2d(
  x: TensorLike,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function adaptiveMaxPool2d(
  x: TensorLike,
  outputSize: AdaptiveSize,
  options: AdaptiveMaxPoolOptions & { readonly returnIndices: true },
): ValuesAndIndices;
export function adaptiveMaxPool2d(
  x: TensorLike,
  outputSize: AdaptiveSize,
  options: AdaptiveMaxPoolOptions = {},
): Tensor | ValuesAndIndices {
  const op = "adaptiveMaxPool2d";
  checkOptions(op, options, ["returnIndices"]);
  const t = asTensor(x);
  requireFloat(op, t);
  const returnIndices = booleanOption(op, "returnIndices", options.returnIndices, false);
  const batch = asBatch(op, t, 2);
  const xb = batch.x;
  const [oh, ow] = outputSizes(op, outputSize, xb, 2) as [number, number];
  checkNonEmpty(op, xb, t.shape);
  const [n, c, h, w] = xb.shape as [number, number, number, number];
  const indices =
    oh * ow === 0
      ? tensor([], { dtype: "int32", shape: [n, c, oh, ow], device: xb.device })
      : // The window positions it builds go to x's device.
        onDevice(xb.device, () => noGrad(() => adaptiveArgmax(xb.detach(), oh, ow)));
  // d adaptiveMaxPool(x) = g added at each window's maximum (gather's adjoint)
  const values = reshape(gather(reshape(xb, [n, c, h * w]), 2, reshape(indices, [n, c, oh * ow])), [
    n,
    c,
    oh,
    ow,
  ]);
  if (!returnIndices) return batch.restore(values);
  return { values: batch.restore(values), indices: batch.restore(indices) };
}
