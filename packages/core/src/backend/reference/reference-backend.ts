/**
 * The reference backend: plain loops over typed arrays, written to be obviously correct.
 * Every faster backend is tested against it.
 */
import type { TypedArray } from "../../dtype.js";
import type {
  Backend,
  BinaryKernel,
  MatmulArgs,
  ReduceKernel,
  StridedView,
  UnaryKernel,
} from "../backend.js";
import {
  composedAttention,
  composedAttentionBackward,
  safeSoftmaxOnCpu,
} from "../composed-attention.js";
import {
  checkMatmulBias,
  checkMatmulScale,
  cpuScratch,
  windowedMatmul,
} from "../windowed-matmul.js";
import { geluFloat32, geluGradFloat32 } from "./gelu-float32.js";
import { binaryFns, unaryFns } from "./math.js";
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from "./optimizer-updates.js";
import { scan } from "./scan.js";
import { scatterReduce } from "./scatter-reduce.js";
import { sort } from "./sort.js";
import { forEachRow } from "./strided.js";
import { col2im, im2col, windowMax, windowSum } from "./window.js";

function unary(op: UnaryKernel, x: TypedArray, out: TypedArray): void {
  // Float32 GELU has a float32 definition of its own (gelu-float32.ts).
  const f = op === "gelu" && out instanceof Float32Array ? geluFloat32 : unaryFns[op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
}

function binary(
  op: BinaryKernel,
  a: StridedView,
  b: StridedView,
  out: TypedArray,
  shape: readonly number[],
): void {
  const f = op === "geluGrad" && out instanceof Float32Array ? geluGradFloat32 : binaryFns[op];
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1]!;
  const as = rank === 0 ? 0 : a.strides[rank - 1]!;
  const bs = rank === 0 ? 0 : b.strides[rank - 1]!;
  const ad = a.data;
  const bd = b.data;
  forEachRow(shape, [a.strides, b.strides], [a.offset, b.offset], ([ao, bo], row) => {
    let ai = ao!;
    let bi = bo!;
    const base = row * n;
    for (let j = 0; j < n; j++, ai += as, bi += bs) out[base + j] = f(ad[ai]!, bd[bi]!);
  });
}

function where(
  cond: StridedView,
  a: StridedView,
  b: StridedView,
  out: TypedArray,
  shape: readonly number[],
): void {
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1]!;
  const last = (v: StridedView) => (rank === 0 ? 0 : v.strides[rank - 1]!);
  const cs = last(cond);
  const as = last(a);
  const bs = last(b);
  forEachRow(
    shape,
    [cond.strides, a.strides, b.strides],
    [cond.offset, a.offset, b.offset],
    ([co, ao, bo], row) => {
      let ci = co!;
      let ai = ao!;
      let bi = bo!;
      const base = row * n;
      for (let j = 0; j < n; j++, ci += cs, ai += as, bi += bs) {
        out[base + j] = cond.data[ci] ? a.data[ai]! : b.data[bi]!;
      }
    },
  );
}

const reduceStart: Record<ReduceKernel, number> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

const reduceStep: Record<ReduceKernel, (acc: number, x: number) => number> = {
  sum: (acc, x) => acc + x,
  prod: (acc, x) => acc * x,
  // NaN wins, as in NumPy and PyTorch.
  max: (acc, x) => (x > acc || Number.isNaN(x) ? x : acc),
  min: (acc, x) => (x < acc || Number.isNaN(x) ? x : acc),
};

function reduce(
  op: ReduceKernel,
  x: TypedArray,
  shape: readonly number[],
  axes: readonly number[],
  out: TypedArray,
): void {
  // Visit the input in order, mapping each element to its output slot through strides that
  // are 0 on the reduced axes. Accumulate in float64 so float32 sums lose nothing extra.
  const keptShape = shape.filter((_, d) => !axes.includes(d));
  const keptStrides: number[] = [];
  let stride = 1;
  for (let d = keptShape.length - 1; d >= 0; d--) {
    keptStrides[d] = stride;
    stride *= keptShape[d]!;
  }
  const outStrides: number[] = [];
  let k = 0;
  for (let d = 0; d < shape.length; d++) {
    outStrides.push(axes.includes(d) ? 0 : keptStrides[k++]!);
  }
  const acc = new Float64Array(out.length).fill(reduceStart[op]);
  const step = reduceStep[op];
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1]!;
  const os = rank === 0 ? 0 : outStrides[rank - 1]!;
  forEachRow(shape, [outStrides], [0], ([oo], row) => {
    let oi = oo!;
    const base = row * n;
    for (let j = 0; j < n; j++, oi += os) acc[oi] = step(acc[oi]!, x[base + j]!);
  });
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}

function argReduce(
  op: "argmax" | "argmin",
  x: TypedArray,
  shape: readonly number[],
  axis: number,
  out: Int32Array,
): void {
  const len = shape[axis]!;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const better =
    op === "argmax" ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = x[base]!;
      let bestIndex = 0;
      for (let j = 1; j < len; j++) {
        const v = x[base + j * inner]!;
        if (Number.isNaN(best)) break;
        if (better(v, best) || Number.isNaN(v)) {
          best = v;
          bestIndex = j;
        }
      }
      out[o * inner + i] = bestIndex;
    }
  }
}

function matmul(
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  args: MatmulArgs,
  bias?: TypedArray,
): void {
  if (args.bWindow || args.outWindow) {
    windowedMatmul(referenceBackend, cpuScratch, a, b, out, args, bias);
    return;
  }
  checkMatmulScale(args);
  const { m, k, n, transA, transB } = args;
  // Row of the left operand and a contiguous [k, n] right operand keep the inner loop simple.
  const row = new Float64Array(k);
  const right = new Float64Array(k * n);
  const acc = new Float64Array(n);
  for (let p = 0; p < args.aOffsets.length; p++) {
    const ao = args.aOffsets[p]!;
    const bo = args.bOffsets[p]!;
    for (let q = 0; q < k; q++) {
      for (let j = 0; j < n; j++)
        right[q * n + j] = transB ? b[bo + j * k + q]! : b[bo + q * n + j]!;
    }
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) row[q] = transA ? a[ao + q * m + i]! : a[ao + i * k + q]!;
      acc.fill(0);
      for (let q = 0; q < k; q++) {
        const aiq = row[q]!;
        const base = q * n;
        for (let j = 0; j < n; j++) acc[j]! += aiq * right[base + j]!;
      }
      const oo = p * m * n + i * n;
      for (let j = 0; j < n; j++) out[oo + j] = acc[j]!;
    }
  }
  if (args.scale !== undefined) scaleProducts(out, args.aOffsets.length * m * n, args.scale);
  if (bias) {
    checkMatmulBias(args, bias.length);
    addMatmulBias(out, args, bias);
  }
}

/**
 * out[i] = out[i]·scale for the first `length` elements, with scale a value of out's dtype:
 * for float32 the float64 product of two float32 values is exact, and storing it rounds once,
 * as a float32 multiplication does. The reference, and the fast backends' way for what their
 * kernels leave.
 */
export function scaleProducts(out: TypedArray, length: number, scale: number): void {
  const s = out instanceof Float32Array ? Math.fround(scale) : scale;
  for (let i = 0; i < length; i++) out[i] = out[i]! * s;
}

/**
 * out[p, i, j] += bias[i] ("rows") or bias[j] ("cols"), each sum rounded to out's dtype as an
 * addition of the rounded product and the bias would be. The reference, and the fast
 * backends' way for what their kernels leave.
 */
export function addMatmulBias(out: TypedArray, args: MatmulArgs, bias: TypedArray): void {
  const { m, n } = args;
  const rows = args.biasAxis === "rows";
  for (let p = 0; p < args.aOffsets.length; p++) {
    for (let i = 0; i < m; i++) {
      const at = (p * m + i) * n;
      if (rows) for (let j = 0; j < n; j++) out[at + j] = out[at + j]! + bias[i]!;
      else for (let j = 0; j < n; j++) out[at + j] = out[at + j]! + bias[j]!;
    }
  }
}

/**
 * Σ f(j) over a row's columns in the order the kernels take it: four partial sums, one per
 * column modulo 4, added as (s0 + s1) + (s2 + s3), then the columns past the last multiple
 * of four one by one (the WebAssembly kernel's float64 lanes, bit for bit).
 */
function rowSum(cols: number, f: (j: number) => number): number {
  let [s0, s1, s2, s3] = [0, 0, 0, 0];
  const full = cols - (cols % 4);
  for (let j = 0; j < full; j += 4) {
    s0 += f(j);
    s1 += f(j + 1);
    s2 += f(j + 2);
    s3 += f(j + 3);
  }
  let sum = s0 + s1 + (s2 + s3);
  for (let j = full; j < cols; j++) sum += f(j);
  return sum;
}

function layerNorm(
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
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mean = rowSum(cols, (j) => x[base + j]!) / cols;
    const squares = rowSum(cols, (j) => (x[base + j]! - mean) * (x[base + j]! - mean));
    const scale = 1 / Math.sqrt(squares / cols + eps);
    rstd[r] = scale;
    for (let j = 0; j < cols; j++) {
      // out from the unrounded x̂: one rounding per output.
      let h = (x[base + j]! - mean) * scale;
      xhat[base + j] = h;
      if (weight) h *= weight[j]!;
      if (bias) h += bias[j]!;
      out[base + j] = h;
    }
  }
}

function layerNormBackward(
  g: TypedArray,
  xhat: TypedArray,
  rstd: TypedArray,
  weight: TypedArray | null,
  rows: number,
  cols: number,
  dx: TypedArray,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const scaled = (j: number) => (weight ? g[base + j]! * weight[j]! : g[base + j]!);
    const meanGrad = rowSum(cols, scaled) / cols;
    const meanProjection = rowSum(cols, (j) => scaled(j) * xhat[base + j]!) / cols;
    const scale = rstd[r]!;
    for (let j = 0; j < cols; j++) {
      dx[base + j] = scale * (scaled(j) - meanGrad - xhat[base + j]! * meanProjection);
    }
  }
}

function copy(src: StridedView, dst: StridedView, shape: readonly number[]): void {
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1]!;
  const ss = rank === 0 ? 0 : src.strides[rank - 1]!;
  const ds = rank === 0 ? 0 : dst.strides[rank - 1]!;
  const sd = src.data;
  const dd = dst.data;
  forEachRow(shape, [src.strides, dst.strides], [src.offset, dst.offset], ([so, dO]) => {
    let si = so!;
    let di = dO!;
    for (let j = 0; j < n; j++, si += ss, di += ds) dd[di] = sd[si]!;
  });
}

function softmax(x: TypedArray, rows: number, cols: number, out: TypedArray, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (x[base + j]! > max) max = x[base + j]!;
    // A row of -Infinity has no finite maximum; shifting by 0 keeps exp from producing NaN.
    if (max === Number.NEGATIVE_INFINITY) max = 0;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j]! - max);
    if (log) {
      const logSum = Math.log(sum);
      for (let j = 0; j < cols; j++) out[base + j] = x[base + j]! - max - logSum;
    } else {
      for (let j = 0; j < cols; j++) out[base + j] = Math.exp(x[base + j]! - max) / sum;
    }
  }
}

function softmaxBackward(
  y: TypedArray,
  dy: TypedArray,
  rows: number,
  cols: number,
  out: TypedArray,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    // Σ dy·y (or Σ dy) in float64, in column order; each output rounded once.
    let dot = 0;
    if (log) {
      for (let j = 0; j < cols; j++) dot += dy[base + j]!;
      for (let j = 0; j < cols; j++) out[base + j] = dy[base + j]! - Math.exp(y[base + j]!) * dot;
    } else {
      for (let j = 0; j < cols; j++) dot += dy[base + j]! * y[base + j]!;
      for (let j = 0; j < cols; j++) out[base + j] = y[base + j]! * (dy[base + j]! - dot);
    }
  }
}

function gather(
  x: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexLen; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * indexLen + j) * inner + i;
        out[at] = x[(o * axisLen + index[at]!) * inner + i]!;
      }
    }
  }
}

function scatterAdd(
  g: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexLen; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * indexLen + j) * inner + i;
        out[(o * axisLen + index[at]!) * inner + i]! += g[at]!;
      }
    }
  }
}

/**
 * Plain TypeScript loops over typed arrays: the definition that every faster backend is
 * tested against.
 */
export const referenceBackend: Backend = {
  name: "reference",
  unary,
  binary,
  where,
  reduce,
  scan,
  argReduce,
  matmul,
  copy,
  softmax,
  softmaxBackward,
  attention: (q, k, v, mask, out, weights, args) =>
    composedAttention(
      referenceBackend,
      cpuScratch,
      safeSoftmaxOnCpu(referenceBackend),
      [q, k, v],
      mask,
      out,
      weights,
      args,
    ),
  attentionBackward: (q, k, v, weights, g, dq, dk, dv, args) =>
    composedAttentionBackward(
      referenceBackend,
      cpuScratch,
      [q, k, v],
      weights,
      g,
      [dq, dk, dv],
      args,
    ),
  layerNorm,
  layerNormBackward,
  gather,
  scatterAdd,
  sort,
  scatterReduce,
  im2col,
  col2im,
  windowMax,
  windowSum,
  sgdUpdate,
  adamUpdate,
  rmspropUpdate,
  adagradUpdate,
};
