/**
 * Elementwise and reduction kernels in plain JavaScript, one loop per op. The reference
 * backend calls one function per element through a table (simple, but the call is never
 * inlined); here each op has its own loop, and shapes are first collapsed to at most two
 * dimensions. Every expression is the reference's, evaluated in the same order (float32
 * GELU's too: reference/gelu-float32.ts), so the results are bit-identical. Copying small operands into WebAssembly memory would cost more
 * than these loops take, so they stay in JavaScript.
 */
import type { TypedArray } from "../../dtype.js";
import { sizeOf, stridesOf } from "../../shape.js";
import type { BinaryKernel, ReduceKernel, StridedView, UnaryKernel } from "../backend.js";
import { erf, erfc, erfinv } from "../reference/erf.js";
import { geluFloat32, geluGradFloat32 } from "../reference/gelu-float32.js";
import {
  copysign,
  floorDivide,
  gelu,
  geluGrad,
  logaddexp,
  pow,
  remainder,
  roundHalfEven,
} from "../reference/math.js";

/**
 * Drops dimensions of size 1 and merges neighbours that every operand walks as one (stride
 * of the outer = stride of the inner × its size, which includes broadcast strides of 0).
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    const merges = last >= 0 && strides.every((s, o) => outStrides[o]![last] === s[d]! * size);
    if (merges) {
      outShape[last]! *= size;
      strides.forEach((s, o) => {
        outStrides[o]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      strides.forEach((s, o) => {
        outStrides[o]!.push(s[d]!);
      });
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** out[oi + j] = a[ai + j·as] ∘ b[bi + j·bs] for j < n. */
function binaryRow(
  op: BinaryKernel,
  a: TypedArray,
  ai: number,
  as: number,
  b: TypedArray,
  bi: number,
  bs: number,
  out: TypedArray,
  oi: number,
  n: number,
): void {
  const end = oi + n;
  switch (op) {
    case "add":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! + b[bi]!;
      return;
    case "sub":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! - b[bi]!;
      return;
    case "mul":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! * b[bi]!;
      return;
    case "div":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! / b[bi]!;
      return;
    case "pow":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = pow(a[ai]!, b[bi]!);
      return;
    case "maximum":
      for (let o = oi; o < end; o++, ai += as, bi += bs) {
        const x = a[ai]!;
        const y = b[bi]!;
        out[o] = x >= y || Number.isNaN(x) ? x : y;
      }
      return;
    case "minimum":
      for (let o = oi; o < end; o++, ai += as, bi += bs) {
        const x = a[ai]!;
        const y = b[bi]!;
        out[o] = x <= y || Number.isNaN(x) ? x : y;
      }
      return;
    case "eq":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! === b[bi]! ? 1 : 0;
      return;
    case "ne":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! !== b[bi]! ? 1 : 0;
      return;
    case "lt":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! < b[bi]! ? 1 : 0;
      return;
    case "le":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! <= b[bi]! ? 1 : 0;
      return;
    case "gt":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! > b[bi]! ? 1 : 0;
      return;
    case "ge":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! >= b[bi]! ? 1 : 0;
      return;
    case "reluGrad":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = b[bi]! > 0 ? a[ai]! : 0;
      return;
    case "geluGrad": {
      const grad = out instanceof Float32Array ? geluGradFloat32 : geluGrad;
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = grad(a[ai]!, b[bi]!);
      return;
    }
    case "atan2":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = Math.atan2(a[ai]!, b[bi]!);
      return;
    case "remainder":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = remainder(a[ai]!, b[bi]!);
      return;
    case "fmod":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! % b[bi]!;
      return;
    case "floorDivide":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = floorDivide(a[ai]!, b[bi]!);
      return;
    case "copysign":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = copysign(a[ai]!, b[bi]!);
      return;
    case "hypot":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = Math.hypot(a[ai]!, b[bi]!);
      return;
    case "logaddexp":
      for (let o = oi; o < end; o++, ai += as, bi += bs) out[o] = logaddexp(a[ai]!, b[bi]!);
      return;
    case "logicalAnd":
      for (let o = oi; o < end; o++, ai += as, bi += bs) {
        out[o] = a[ai]! !== 0 && b[bi]! !== 0 ? 1 : 0;
      }
      return;
    case "logicalOr":
      for (let o = oi; o < end; o++, ai += as, bi += bs) {
        out[o] = a[ai]! !== 0 || b[bi]! !== 0 ? 1 : 0;
      }
      return;
    case "logicalXor":
      for (let o = oi; o < end; o++, ai += as, bi += bs) {
        out[o] = (a[ai]! !== 0) !== (b[bi]! !== 0) ? 1 : 0;
      }
      return;
  }
}

/**
 * out = a ∘ b over `shape` when the operands collapse to at most two dimensions (the usual
 * case: same shapes, a scalar, a bias row or a column); false otherwise.
 */
export function binaryFast(
  op: BinaryKernel,
  a: StridedView,
  b: StridedView,
  out: TypedArray,
  shape: readonly number[],
): boolean {
  // Same-shape operands and broadcast scalars, the usual case, need no collapsing (whose
  // arrays cost more than the loop on small tensors).
  const aStep = flatStep(a.strides, shape);
  const bStep = flatStep(b.strides, shape);
  if (aStep >= 0 && bStep >= 0) {
    binaryRow(op, a.data, a.offset, aStep, b.data, b.offset, bStep, out, 0, sizeOf(shape));
    return true;
  }
  const c = collapse(shape, [a.strides, b.strides, stridesOf(shape)]);
  if (c.shape.length > 2) return false;
  const [as, bs] = c.strides;
  const rank = c.shape.length;
  const n = rank === 0 ? 1 : c.shape[rank - 1]!;
  const rows = rank === 2 ? c.shape[0]! : 1;
  const aInner = rank === 0 ? 0 : as![rank - 1]!;
  const bInner = rank === 0 ? 0 : bs![rank - 1]!;
  const aRow = rank === 2 ? as![0]! : 0;
  const bRow = rank === 2 ? bs![0]! : 0;
  for (let r = 0; r < rows; r++) {
    binaryRow(
      op,
      a.data,
      a.offset + r * aRow,
      aInner,
      b.data,
      b.offset + r * bRow,
      bInner,
      out,
      r * n,
      n,
    );
  }
  return true;
}

/**
 * 1 when `strides` walk `shape` in row-major order with no gaps, 0 when every stride is 0
 * (one value broadcast), else -1: the step of a single flat loop over the view, if one
 * exists. Size-1 dimensions take any stride.
 */
function flatStep(strides: readonly number[], shape: readonly number[]): number {
  let contiguous = true;
  let broadcast = true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 1) continue;
    const stride = strides[d]!;
    if (stride !== expected) contiguous = false;
    if (stride !== 0) broadcast = false;
    expected *= size;
  }
  return contiguous ? 1 : broadcast ? 0 : -1;
}

/** out[i] = f(x[i]), one loop per op, each the reference's expression. */
export function unaryFast(op: UnaryKernel, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      return;
    case "relu":
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i]!, 0);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) {
          out[i] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case "sign":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
      }
      return;
    case "step":
      for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? 1 : 0;
      return;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!);
      return;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!);
      return;
    case "floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!);
      return;
    case "ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!);
      return;
    case "round":
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(x[i]!);
      return;
    case "trunc":
      for (let i = 0; i < n; i++) out[i] = Math.trunc(x[i]!);
      return;
    case "tan":
      for (let i = 0; i < n; i++) out[i] = Math.tan(x[i]!);
      return;
    case "asin":
      for (let i = 0; i < n; i++) out[i] = Math.asin(x[i]!);
      return;
    case "acos":
      for (let i = 0; i < n; i++) out[i] = Math.acos(x[i]!);
      return;
    case "atan":
      for (let i = 0; i < n; i++) out[i] = Math.atan(x[i]!);
      return;
    case "sinh":
      for (let i = 0; i < n; i++) out[i] = Math.sinh(x[i]!);
      return;
    case "cosh":
      for (let i = 0; i < n; i++) out[i] = Math.cosh(x[i]!);
      return;
    case "asinh":
      for (let i = 0; i < n; i++) out[i] = Math.asinh(x[i]!);
      return;
    case "acosh":
      for (let i = 0; i < n; i++) out[i] = Math.acosh(x[i]!);
      return;
    case "atanh":
      for (let i = 0; i < n; i++) out[i] = Math.atanh(x[i]!);
      return;
    case "log2":
      for (let i = 0; i < n; i++) out[i] = Math.log2(x[i]!);
      return;
    case "log10":
      for (let i = 0; i < n; i++) out[i] = Math.log10(x[i]!);
      return;
    case "log1p":
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!);
      return;
    case "exp2":
      for (let i = 0; i < n; i++) out[i] = 2 ** x[i]!;
      return;
    case "expm1":
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!);
      return;
    case "erf":
      for (let i = 0; i < n; i++) out[i] = erf(x[i]!);
      return;
    case "erfc":
      for (let i = 0; i < n; i++) out[i] = erfc(x[i]!);
      return;
    case "erfinv":
      for (let i = 0; i < n; i++) out[i] = erfinv(x[i]!);
      return;
    case "gelu": {
      const value = out instanceof Float32Array ? geluFloat32 : gelu;
      for (let i = 0; i < n; i++) out[i] = value(x[i]!);
      return;
    }
  }
}

const reduceStart: Record<ReduceKernel, number> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

/** acc[ai + i] = acc[ai + i] ⊕ x[xi + i] for i < n, in float64 like the reference. */
function reduceColumns(
  op: ReduceKernel,
  acc: Float64Array,
  ai: number,
  x: TypedArray,
  xi: number,
  n: number,
): void {
  switch (op) {
    case "sum":
      for (let i = 0; i < n; i++) acc[ai + i]! += x[xi + i]!;
      return;
    case "prod":
      for (let i = 0; i < n; i++) acc[ai + i]! *= x[xi + i]!;
      return;
    case "max":
      for (let i = 0; i < n; i++) {
        const v = x[xi + i]!;
        if (v > acc[ai + i]! || Number.isNaN(v)) acc[ai + i] = v;
      }
      return;
    case "min":
      for (let i = 0; i < n; i++) {
        const v = x[xi + i]!;
        if (v < acc[ai + i]! || Number.isNaN(v)) acc[ai + i] = v;
      }
      return;
  }
}

/**
 * acc[o] = acc[o] ⊕ x[o·n] ⊕ … ⊕ x[o·n + n − 1] for o < rows: each row reduced in order. Sums,
 * maxima and minima take four rows side by side, so that each step of one row's chain (a
 * float64 add waits for the previous one) overlaps with the other three's; each row still
 * sees its elements in order, so the results are the reference's.
 */
function reduceRows(op: ReduceKernel, acc: Float64Array, x: TypedArray, rows: number, n: number) {
  let o = 0;
  if (op !== "prod") {
    for (; o + 4 <= rows; o += 4) {
      const b0 = o * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      let a0 = acc[o]!;
      let a1 = acc[o + 1]!;
      let a2 = acc[o + 2]!;
      let a3 = acc[o + 3]!;
      if (op === "sum") {
        for (let i = 0; i < n; i++) {
          a0 += x[b0 + i]!;
          a1 += x[b1 + i]!;
          a2 += x[b2 + i]!;
          a3 += x[b3 + i]!;
        }
      } else if (op === "max") {
        for (let i = 0; i < n; i++) {
          const v0 = x[b0 + i]!;
          const v1 = x[b1 + i]!;
          const v2 = x[b2 + i]!;
          const v3 = x[b3 + i]!;
          a0 = v0 > a0 || Number.isNaN(v0) ? v0 : a0;
          a1 = v1 > a1 || Number.isNaN(v1) ? v1 : a1;
          a2 = v2 > a2 || Number.isNaN(v2) ? v2 : a2;
          a3 = v3 > a3 || Number.isNaN(v3) ? v3 : a3;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v0 = x[b0 + i]!;
          const v1 = x[b1 + i]!;
          const v2 = x[b2 + i]!;
          const v3 = x[b3 + i]!;
          a0 = v0 < a0 || Number.isNaN(v0) ? v0 : a0;
          a1 = v1 < a1 || Number.isNaN(v1) ? v1 : a1;
          a2 = v2 < a2 || Number.isNaN(v2) ? v2 : a2;
          a3 = v3 < a3 || Number.isNaN(v3) ? v3 : a3;
        }
      }
      acc[o] = a0;
      acc[o + 1] = a1;
      acc[o + 2] = a2;
      acc[o + 3] = a3;
    }
  }
  for (; o < rows; o++) {
    let a = acc[o]!;
    const end = (o + 1) * n;
    switch (op) {
      case "sum":
        for (let i = o * n; i < end; i++) a += x[i]!;
        break;
      case "prod":
        for (let i = o * n; i < end; i++) a *= x[i]!;
        break;
      case "max":
        for (let i = o * n; i < end; i++) {
          const v = x[i]!;
          if (v > a || Number.isNaN(v)) a = v;
        }
        break;
      case "min":
        for (let i = o * n; i < end; i++) {
          const v = x[i]!;
          if (v < a || Number.isNaN(v)) a = v;
        }
        break;
    }
    acc[o] = a;
  }
}

/**
 * How a reduction of `shape` over `axes` walks the data, as [outer, reduced, inner] sizes
 * with the reduced axes in the middle (everything, rows, columns, or a middle block; size-1
 * axes dropped), or undefined when the reduced axes are not one run.
 */
export function reductionLayout(
  shape: readonly number[],
  axes: readonly number[],
): [number, number, number] | undefined {
  // Runs of kept and of reduced axes with their sizes, size-1 axes dropped.
  const reducedRun: boolean[] = [];
  const sizes: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const reduced = axes.includes(d);
    if (reducedRun.length > 0 && reducedRun[reducedRun.length - 1] === reduced) {
      sizes[sizes.length - 1]! *= shape[d]!;
    } else {
      reducedRun.push(reduced);
      sizes.push(shape[d]!);
    }
  }
  const at = reducedRun.indexOf(true);
  // Only size-1 axes are reduced: each output is one input.
  if (at < 0) return [1, 1, sizes[0] ?? 1];
  if (reducedRun.lastIndexOf(true) !== at) return undefined;
  const outer = at === 0 ? 1 : sizes[0]!;
  const inner = at === sizes.length - 1 ? 1 : sizes[at + 1]!;
  return [outer, sizes[at]!, inner];
}

/**
 * Reduces `x` over `axes` when the kept and reduced axes group into [outer, reduced, inner]
 * (see reductionLayout); false otherwise.
 */
export function reduceFast(
  op: ReduceKernel,
  x: TypedArray,
  shape: readonly number[],
  axes: readonly number[],
  out: TypedArray,
): boolean {
  const layout = reductionLayout(shape, axes);
  if (!layout) return false;
  const [outer, length, inner] = layout;
  const acc = new Float64Array(out.length).fill(reduceStart[op]);
  if (inner === 1) reduceRows(op, acc, x, outer, length);
  else {
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < length; r++) {
        reduceColumns(op, acc, o * inner, x, (o * length + r) * inner, inner);
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
  return true;
}
