/**
 * Float32 kernels run in WebAssembly SIMD where that pays for copying the operands in and
 * out: ReLU, its gradient and the comparisons, which the JavaScript loops compute with a
 * data-dependent branch (on values of random sign it mispredicts half the time), + − × ÷,
 * copysign and column sums, which a JavaScript loop does one element at a time, and floor,
 * ceil, trunc and round (also float64), which wasm has as single SIMD instructions. Results
 * are exactly the reference's.
 */
import type { BinaryKernel, ReduceKernel, StridedView, UnaryKernel } from "../backend.js";
import { collapse, reductionLayout } from "./elementwise.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming, runSplit, runtimeFor } from "./split.js";

/** Below this many elements the JavaScript loop is faster than the copies. */
const SIMD_MIN_ELEMENTS = 1024;

const arithmeticCodes: Partial<Record<BinaryKernel, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  reluGrad: 4,
  copysign: 5,
};

const comparisonCodes: Partial<Record<BinaryKernel, number>> = {
  eq: 0,
  ne: 1,
  lt: 2,
  le: 3,
  gt: 4,
  ge: 5,
};

/** out = max(x, 0) in WebAssembly; false (nothing written) for small arrays. */
export function reluSimd(runtime: KernelRuntime, x: Float32Array, out: Float32Array): boolean {
  const n = x.length;
  if (n < SIMD_MIN_ELEMENTS) return false;
  runtime.reset();
  const at = runtime.allocate(n * 4);
  if (at < 0) return false;
  runtime.f32.set(x, at >> 2);
  runtime.exports.reluF32(at, at, n);
  out.set(runtime.f32.subarray(at >> 2, (at >> 2) + n));
  return true;
}

const unaryCodes: Partial<Record<UnaryKernel, number>> = {
  neg: 0,
  abs: 1,
  sqrt: 2,
  exp: 3,
  erf: 4,
  gelu: 5,
};

/**
 * The unary ops evaluated in float64 lanes, each element a polynomial, a division or two and
 * often a scalar fallback (5–20 ns per element here): enough work per element that splitting
 * them over the threads pays, unlike −x, |x| and √x, which only stream memory.
 */
const COMPUTE_BOUND = new Set<UnaryKernel>(["exp", "erf", "gelu"]);

/** Elements per thread below which splitting a float64-lane kernel costs more than it saves. */
const LANE_SLICE_MIN_ELEMENTS = 1 << 15;

/**
 * out = f(x) in WebAssembly for f one of −x, |x| and √x (SIMD), eˣ and erf x (the reference's
 * float64 evaluation, without a call into the engine per element) or GELU (float32 GELU's own
 * definition, reference/gelu-float32.ts); split over the worker threads when large; false
 * (nothing written) for other ops and small arrays.
 */
export function unarySimd(
  runtime: KernelRuntime,
  op: UnaryKernel,
  x: Float32Array,
  out: Float32Array,
): boolean {
  const code = unaryCodes[op];
  if (code === undefined || x.length < SIMD_MIN_ELEMENTS) return false;
  const key = COMPUTE_BOUND.has(op) ? () => `unary ${op} ${x.length}` : undefined;
  return elementsInPlace(runtime, "unaryF32", key, [code], [x], out);
}

/**
 * out = GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)) in WebAssembly when g and x are
 * float32 and contiguous over `shape` (as the gradient and the saved input are), split over
 * the worker threads when large; false (nothing written) otherwise.
 */
export function geluGradSimd(
  runtime: KernelRuntime,
  g: StridedView,
  x: StridedView,
  out: Float32Array,
  shape: readonly number[],
): boolean {
  const n = out.length;
  if (n < SIMD_MIN_ELEMENTS || !(g.data instanceof Float32Array)) return false;
  if (!(x.data instanceof Float32Array)) return false;
  const c = collapse(shape, [g.strides, x.strides]);
  if (c.shape.length !== 1 || c.strides[0]![0] !== 1 || c.strides[1]![0] !== 1) return false;
  const inputs = [g.data.subarray(g.offset, g.offset + n), x.data.subarray(x.offset, x.offset + n)];
  return elementsInPlace(runtime, "geluGradF32", () => `geluGrad ${n}`, [], inputs, out);
}

/**
 * Runs an elementwise kernel `kernel(...leading, input addresses..., out address, count)` over
 * the n elements of `inputs` (float32 each), writing over the first input, and copies that
 * back into `out`. With a `splitKey`, the threads' runtime takes the call when splitting that
 * shape pays (see split.ts) and the elements are cut into slices; without, it runs here.
 */
function elementsInPlace(
  runtime: KernelRuntime,
  kernel: "unaryF32" | "geluGradF32",
  splitKey: (() => string) | undefined,
  leading: readonly number[],
  inputs: readonly Float32Array[],
  out: Float32Array,
): boolean {
  const n = out.length;
  if (splitKey) runtime = runtimeFor(n, LANE_SLICE_MIN_ELEMENTS, splitKey) ?? runtime;
  runtime.reset();
  const at = inputs.map(() => runtime.allocate(n * 4));
  if (at.some((address) => address < 0)) return false;
  for (let i = 0; i < inputs.length; i++) runtime.f32.set(inputs[i]!, at[i]! >> 2);
  runSplit(runtime, kernel, n, LANE_SLICE_MIN_ELEMENTS, (e0, e1) => [
    ...leading,
    ...at.map((address) => address + 4 * e0),
    at[0]! + 4 * e0,
    e1 - e0,
  ]);
  out.set(runtime.f32.subarray(at[0]! >> 2, (at[0]! >> 2) + n));
  endSplitTiming();
  return true;
}

const roundingCodes: Partial<Record<UnaryKernel, number>> = {
  floor: 0,
  ceil: 1,
  trunc: 2,
  round: 3,
};

/**
 * out = x rounded (floor, ceil, trunc, or round: to nearest, ties to even) in WebAssembly,
 * where each has one SIMD instruction; false (nothing written) for other ops, for arrays of
 * two dtypes and for small arrays.
 */
export function roundSimd(
  runtime: KernelRuntime,
  op: UnaryKernel,
  x: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
): boolean {
  const code = roundingCodes[op];
  const n = x.length;
  if (code === undefined || n < SIMD_MIN_ELEMENTS || x.constructor !== out.constructor) {
    return false;
  }
  const f64 = x instanceof Float64Array;
  const bytes = f64 ? 8 : 4;
  runtime.reset();
  const xAt = runtime.allocate(n * bytes);
  const outAt = runtime.allocate(n * bytes);
  if (xAt < 0 || outAt < 0) return false;
  if (f64) {
    runtime.f64.set(x, xAt >> 3);
    runtime.exports.roundF64(code, xAt, outAt, n);
    out.set(runtime.f64.subarray(outAt >> 3, (outAt >> 3) + n));
  } else {
    runtime.f32.set(x, xAt >> 2);
    runtime.exports.roundF32(code, xAt, outAt, n);
    out.set(runtime.f32.subarray(outAt >> 2, (outAt >> 2) + n));
  }
  return true;
}

/**
 * out (bytes) = a ∘ b for a comparison of float32 operands that collapse to one dimension,
 * each contiguous or a broadcast scalar; false (nothing written) otherwise.
 */
export function compareSimd(
  runtime: KernelRuntime,
  op: BinaryKernel,
  a: StridedView,
  b: StridedView,
  out: Uint8Array,
  shape: readonly number[],
): boolean {
  const code = comparisonCodes[op];
  if (
    code === undefined ||
    !(a.data instanceof Float32Array) ||
    !(b.data instanceof Float32Array)
  ) {
    return false;
  }
  if (out.length < SIMD_MIN_ELEMENTS) return false;
  const c = collapse(shape, [a.strides, b.strides]);
  if (c.shape.length !== 1) return false;
  const aStep = c.strides[0]![0]!;
  const bStep = c.strides[1]![0]!;
  if (aStep > 1 || bStep > 1 || aStep < 0 || bStep < 0) return false;
  const n = c.shape[0]!;
  runtime.reset();
  const aAt = runtime.allocate((aStep ? n : 1) * 4);
  const bAt = runtime.allocate((bStep ? n : 1) * 4);
  const outAt = runtime.allocate(n);
  if (aAt < 0 || bAt < 0 || outAt < 0) return false;
  const f32 = runtime.f32;
  f32.set(a.data.subarray(a.offset, a.offset + (aStep ? n : 1)), aAt >> 2);
  f32.set(b.data.subarray(b.offset, b.offset + (bStep ? n : 1)), bAt >> 2);
  runtime.exports.compareF32(code, aAt, aStep, bAt, bStep, outAt, n);
  out.set(runtime.u8.subarray(outAt, outAt + n));
  return true;
}

/** Whether float32 holds the view's values exactly: float32 or boolean data. */
function inFloat32(view: StridedView): boolean {
  return view.data instanceof Float32Array || view.data instanceof Uint8Array;
}

/**
 * Copies the part of `view` that `rows`×`n` elements at strides (row, step) read into the
 * kernel memory as float32 and returns its address, or -1 when the memory is full.
 */
function copyIn(
  runtime: KernelRuntime,
  view: StridedView,
  rows: number,
  n: number,
  row: number,
  step: number,
): number {
  const span = (rows - 1) * row + (n - 1) * step + 1;
  const at = runtime.allocate(span * 4);
  if (at >= 0) runtime.f32.set(view.data.subarray(view.offset, view.offset + span), at >> 2);
  return at;
}

/**
 * out (float32) = a ∘ b for ∘ one of + − × ÷, reluGrad or copysign when the operands (float32, or
 * booleans, which float32 holds exactly) collapse to at most two dimensions, each contiguous
 * or broadcast along the inner one; false (nothing written) otherwise.
 */
export function arithmeticSimd(
  runtime: KernelRuntime,
  op: BinaryKernel,
  a: StridedView,
  b: StridedView,
  out: Float32Array,
  shape: readonly number[],
): boolean {
  const code = arithmeticCodes[op];
  if (code === undefined || out.length < SIMD_MIN_ELEMENTS || !inFloat32(a) || !inFloat32(b)) {
    return false;
  }
  const c = collapse(shape, [a.strides, b.strides]);
  const rank = c.shape.length;
  if (rank === 0 || rank > 2) return false;
  const n = c.shape[rank - 1]!;
  const rows = rank === 2 ? c.shape[0]! : 1;
  const [as, bs] = c.strides as [number[], number[]];
  const aStep = as[rank - 1]!;
  const bStep = bs[rank - 1]!;
  const aRow = rank === 2 ? as[0]! : 0;
  const bRow = rank === 2 ? bs[0]! : 0;
  if (Math.min(aRow, bRow) < 0 || aStep > 1 || bStep > 1 || aStep < 0 || bStep < 0) return false;
  runtime.reset();
  const aAt = copyIn(runtime, a, rows, n, aRow, aStep);
  const bAt = copyIn(runtime, b, rows, n, bRow, bStep);
  const outAt = runtime.allocate(rows * n * 4);
  if (aAt < 0 || bAt < 0 || outAt < 0) return false;
  runtime.exports.arithmeticF32(code, aAt, aRow, aStep, bAt, bRow, bStep, outAt, rows, n);
  out.set(runtime.f32.subarray(outAt >> 2, (outAt >> 2) + rows * n));
  return true;
}

/**
 * out = the sums of the columns of `x` viewed as [rows, columns] (a sum over leading axes,
 * as for a bias gradient), in float64 like the reference; false (nothing written) for other
 * reductions and small arrays.
 */
export function sumColumnsSimd(
  runtime: KernelRuntime,
  op: ReduceKernel,
  x: Float32Array,
  shape: readonly number[],
  axes: readonly number[],
  out: Float32Array,
): boolean {
  if (op !== "sum" || x.length < SIMD_MIN_ELEMENTS) return false;
  const layout = reductionLayout(shape, axes);
  if (layout?.[0] !== 1 || layout[1] === 1 || layout[2] === 1) return false;
  const [, rows, n] = layout;
  runtime.reset();
  const xAt = runtime.allocate(x.length * 4);
  const accAt = runtime.allocate(n * 8);
  const outAt = runtime.allocate(n * 4);
  if (xAt < 0 || accAt < 0 || outAt < 0) return false;
  runtime.f32.set(x, xAt >> 2);
  runtime.exports.sumColumnsF32(xAt, rows, n, accAt, outAt);
  out.set(runtime.f32.subarray(outAt >> 2, (outAt >> 2) + n));
  return true;
}
