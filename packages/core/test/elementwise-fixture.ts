/**
 * What the elementwise fixture tests share (ops-elementwise.test.ts, which also runs on the
 * GPU, and its float64 half): reading fixtures/elementwise.json's encoded numbers, holding
 * results to PyTorch's, and our op for each of the fixture's op names.
 */
import {
  acos,
  acosh,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  ceil,
  copysign,
  cosh,
  erf,
  erfc,
  erfinv,
  exp2,
  expm1,
  floor,
  floorDivide,
  fmod,
  frac,
  gelu,
  hypot,
  log1p,
  log2,
  log10,
  logaddexp,
  logicalAnd,
  logicalOr,
  logicalXor,
  reciprocal,
  remainder,
  round,
  rsqrt,
  sinh,
  type Tensor,
  type TensorLike,
  tan,
  trunc,
} from "@tensortape/core";
import { expect } from "vitest";

export type Encoded = number | string | boolean;
export type Nested = Encoded | Nested[];

/**
 * A fixture number: "inf", "-inf", "nan" and "-0" stand for what JSON cannot hold, and
 * bool results read as 1 and 0.
 */
export function decode(v: Encoded): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return Number(v);
  return { inf: Infinity, "-inf": -Infinity, nan: Number.NaN, "-0": -0 }[v] ?? Number.NaN;
}

export const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [decode(v)]);

/**
 * Holds `actual` to PyTorch's `expected` element by element: NaN for NaN, infinities and
 * zeros exactly (zeros with their sign unless `anyZeroSign`), others to `rtol` relatively.
 */
export function expectMatches(
  actual: ArrayLike<number>,
  expected: readonly number[],
  label: string,
  rtol = 1e-15,
  anyZeroSign = false,
): void {
  expect(actual.length, label).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const where = `${label}: element ${i} is ${a}, PyTorch gives ${e}`;
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(Object.is(a, e), where).toBe(true);
    else if (e === 0) expect(anyZeroSign ? a === 0 : Object.is(a, e), where).toBe(true);
    // Subnormal results carry fewer bits, so they are held to an absolute 1e-320 instead.
    else
      expect(Math.abs(a - e) <= rtol * Math.abs(e) || Math.abs(a - e) < 1e-320, where).toBe(true);
  });
}

export const unaryOps: Record<string, (x: Tensor) => Tensor> = {
  floor,
  ceil,
  round,
  trunc,
  frac,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  asinh,
  acosh,
  atanh,
  log2,
  log10,
  log1p,
  exp2,
  expm1,
  rsqrt,
  reciprocal,
  erf,
  erfc,
  erfinv,
  gelu: (x) => gelu(x),
};

/** Our name of each op PyTorch's fixture names in snake case. */
export const binaryOps: Record<string, (a: TensorLike, b: TensorLike) => Tensor> = {
  atan2,
  remainder,
  fmod,
  floor_divide: floorDivide,
  copysign,
  hypot,
  logaddexp,
  logical_and: logicalAnd,
  logical_or: logicalOr,
  logical_xor: logicalXor,
};
