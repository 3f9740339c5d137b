/**
 * GELU and its vector-Jacobian product for float32 arrays, in float32 arithmetic: the
 * definition every CPU backend computes for float32 (the WebAssembly kernel in
 * wasm/assembly/gelu.ts does the same operations four lanes at a time, so their bits agree).
 * Float64 arrays keep the float64 forms of math.ts.
 *
 * Both need e^(−x²/2), φ's numerator and, times a rational function, the normal tail of
 * t = |x|:
 *
 *   Q(t) = 1 − Φ(t) = e^(−t²/2)·R(t),   Φ(x) = 1 − Q(t) for x ≥ 0 and Q(t) for x < 0,
 *
 * R(t) being the Mills ratio over √(2π), smooth and falling like 1/(t√(2π)). Taking Q
 * directly for x < 0 avoids the cancellation of ½(1 + erf(x/√2)) in the negative tail, and one
 * exponential serves Φ and φ. For |x| ≤ 13, GELU is within 5.3 units in the last place of
 * the exact value and its gradient within 4.5 units of 2^-24·(|Φ(x)| + |x·φ(x)|) (every 1009th
 * float32 there: 96 % within one unit; test/backend/gelu-float32.test.ts), where a float32
 * evaluation of ½x(1 + erf(x/√2)), PyTorch 2.13's, is 44 units off at x = −2, 372 at −3 and 0
 * below −5.5. Beyond 13, and for NaN and ±∞, where the exponential leaves float32's normal
 * range, the float64 form rounded once.
 *
 * Every operation below is one float32 operation: Math.fround of a double sum, difference,
 * product or quotient of two float32s is the float32 operation's result.
 */
import { gelu, geluGrad, roundHalfEven } from "./math.js";

const f = Math.fround;

/** Largest |x| the float32 form takes. */
export const GELU_FLOAT32_RANGE = 13;

/**
 * R(t) ≈ (P0 + P1 t + … + P4 t⁴)/(1 + Q1 t + … + Q5 t⁵) on [0, 13], relative error below
 * 2.7e-8 with these float32 coefficients (a least-squares fit of the relative error with
 * weights towards minimax: scripts/fit-gelu-tail.py), highest power first.
 */
export const GELU_TAIL_P = [
  0.003994383849203587, 0.039808984845876694, 0.18078459799289703, 0.4349769949913025, 0.5,
];
export const GELU_TAIL_Q = [
  0.01001228578388691, 0.09979397803544998, 0.4630023241043091, 1.1923080682754517,
  1.6678389310836792, 1,
];
/** e^r's Taylor coefficients 1/7!, …, 1/0!, rounded to float32. */
const EXP_TAYLOR = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1].map(f);
/** log2 e, and ln 2 split so that j·LN2_HI is exact for |j| < 2^8 (LN2_HI has 15 bits). */
const LOG2E = f(Math.LOG2E);
const LN2_HI = 0.693145751953125;
const LN2_LO = f(Math.LN2 - LN2_HI);
const INV_SQRT_2PI = f(1 / Math.sqrt(2 * Math.PI));

const bits = new Int32Array(1);
const value = new Float32Array(bits.buffer);

/** t with the low 12 bits of its significand cleared: 12 bits, whose square is exact. */
function leadingBits(t: number): number {
  value[0] = t;
  bits[0]! &= 0xfffff000 | 0;
  return value[0]!;
}

function horner(coefficients: readonly number[], z: number): number {
  let acc = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) acc = f(f(acc * z) + coefficients[i]!);
  return acc;
}

/**
 * e^(−t²/2) for 0 ≤ t ≤ 13. t² is split as th² + tl·(t + th), th being t's leading 12 bits,
 * so that th² is exact: rounding t² itself would err by t²/2 units in the last place. Then
 * e^(a + b) = 2^j·e^r, r = a + b − j·ln 2 with |r| ≤ ln 2/2, by its Taylor series to r⁷.
 */
function expHalfSquare(t: number): number {
  const th = leadingBits(t);
  const tl = f(t - th);
  const a = f(-0.5 * f(th * th));
  const b = f(-0.5 * f(tl * f(t + th)));
  const j = roundHalfEven(f(f(a + b) * LOG2E));
  const r = f(f(f(a - f(j * LN2_HI)) + b) - f(j * LN2_LO));
  return f(horner(EXP_TAYLOR, r) * 2 ** j);
}

/** Φ(x) from x and e = e^(−x²/2). */
function cdf(x: number, e: number): number {
  const t = Math.abs(x);
  const tail = f(e * f(horner(GELU_TAIL_P, t) / horner(GELU_TAIL_Q, t)));
  return x >= 0 ? f(1 - tail) : tail;
}

/** GELU of a float32 x, as float32 arrays hold it. */
export function geluFloat32(x: number): number {
  if (!(Math.abs(x) <= GELU_FLOAT32_RANGE)) return f(gelu(x));
  return f(x * cdf(x, expHalfSquare(Math.abs(x))));
}

/** GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)) for float32 g and x. */
export function geluGradFloat32(g: number, x: number): number {
  if (!(Math.abs(x) <= GELU_FLOAT32_RANGE)) return f(geluGrad(g, x));
  const e = expHalfSquare(Math.abs(x));
  return f(g * f(cdf(x, e) + f(x * f(e * INV_SQRT_2PI))));
}
