import type { BinaryKernel, UnaryKernel } from "../backend.js";
import { erf, erfc, erfinv } from "./erf.js";

/** One scalar function per unary kernel: the definition the fast backends are held to. */
export const unaryFns: Record<UnaryKernel, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  relu: (x) => Math.max(x, 0),
  // Two branches so that exp never overflows: for x < 0, e^x / (1 + e^x).
  sigmoid: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  tanh: Math.tanh,
  // (x > 0) − (x < 0), as PyTorch's sign: 0 for ±0 and for NaN.
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  step: (x) => (x > 0 ? 1 : 0),
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  // log2 and log10 directly, as PyTorch: log(x)/ln 2 would round twice.
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  exp2: (x) => 2 ** x,
  expm1: Math.expm1,
  erf,
  erfc,
  erfinv,
  gelu,
};

/** GELU, x·Φ(x), as PyTorch evaluates it: x·½·(1 + erf(x/√2)). */
export function gelu(x: number): number {
  return x * 0.5 * (1 + erf(x * Math.SQRT1_2));
}

/** 1/√(2π), as PyTorch forms it: M_2_SQRTPI · M_SQRT1_2 · ½. */
export const INV_SQRT_2PI = 1.1283791670955126 * Math.SQRT1_2 * 0.5;

/**
 * GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)), φ the normal density, as PyTorch's
 * gelu_backward evaluates it.
 */
export function geluGrad(g: number, x: number): number {
  const cdf = 0.5 * (1 + erf(x * Math.SQRT1_2));
  const pdf = Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
  return g * (cdf + x * pdf);
}

/**
 * Rounds to the nearest integer, ties to even (torch.round, IEEE roundTiesToEven). Math.round
 * breaks ties upwards; where it landed on an odd integer half a unit up, step back one.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's float remainder (torch.remainder): a − b·⌊a/b⌋, with the sign of b. */
export function remainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * Python's float floor division (torch.floor_divide, PyTorch's div_floor_floating): the
 * quotient of a − fmod(a, b), which is exact, stepped down when the remainder has the wrong
 * sign and rounded to the nearer integer, so that a = b·(a // b) + remainder(a, b) holds as
 * closely as float allows. Division by zero gives the IEEE quotient.
 */
export function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return copysign(0, a / b);
  let q = Math.floor(div);
  if (div - q > 0.5) q += 1;
  return q;
}

/**
 * C's pow, as torch.pow computes it: JavaScript's ** except where C99 (Annex F) and IEEE 754
 * define the result as 1 and ** gives NaN: 1^b for every b, NaN included, and (−1)^±∞.
 */
export function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY))) {
    return 1;
  }
  return a ** b;
}

/** a with the sign bit of b (−0 and NaN's sign bit included), as C's copysign. */
export function copysign(a: number, b: number): number {
  const negative = b < 0 || Object.is(b, -0) || (Number.isNaN(b) && signBitOfNaN(b));
  return negative ? -Math.abs(a) : Math.abs(a);
}

const nanBits = new DataView(new ArrayBuffer(8));

/** Whether a NaN has its sign bit set: JavaScript's comparisons cannot tell. */
function signBitOfNaN(x: number): boolean {
  nanBits.setFloat64(0, x);
  return nanBits.getUint8(0) >= 0x80;
}

/**
 * log(eᵃ + eᵇ) as PyTorch computes it: the larger plus log1p(e^−|a − b|), and a itself when
 * both are the same infinity (where a − b would be NaN).
 */
export function logaddexp(a: number, b: number): number {
  if (a === b && !Number.isFinite(a)) return a;
  const m = a >= b || Number.isNaN(a) ? a : b;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

export const binaryFns: Record<BinaryKernel, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  reluGrad: (g, x) => (x > 0 ? g : 0),
  geluGrad,
  atan2: Math.atan2,
  remainder,
  // JavaScript's % is C's fmod: exact, with the sign of a.
  fmod: (a, b) => a % b,
  floorDivide,
  copysign,
  hypot: Math.hypot,
  logaddexp,
  // NaN is true, as any nonzero value (NaN !== 0).
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};
