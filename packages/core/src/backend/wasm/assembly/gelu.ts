// GELU, x·Φ(x), and its vector-Jacobian product g·(Φ(x) + x·φ(x)) for float32, four lanes at
// a time in float32 arithmetic: the float32 definition of src/backend/reference/gelu-float32.ts
// (which says how and how accurately), operation for operation, so the bits agree. Lanes with
// |x| ≤ 13 take the float32 form; the others (NaN, ±∞, the far tails) the float64 form rounded
// once, each element by its own value, so a result never depends on how an array was cut
// among threads or where its tail of fewer than four elements begins.

import { erfF64, expF64 } from "./unary";

/** Largest |x| the float32 form takes. */
const RANGE: f32 = 13;

// The normal tail's rational factor R(t) = (P0 + … + P4 t⁴)/(1 + Q1 t + … + Q5 t⁵), as
// GELU_TAIL_P and GELU_TAIL_Q.
const P0: f32 = 0.5;
const P1: f32 = 0.4349769949913025;
const P2: f32 = 0.18078459799289703;
const P3: f32 = 0.039808984845876694;
const P4: f32 = 0.003994383849203587;
const Q1: f32 = 1.6678389310836792;
const Q2: f32 = 1.1923080682754517;
const Q3: f32 = 0.4630023241043091;
const Q4: f32 = 0.09979397803544998;
const Q5: f32 = 0.01001228578388691;

/** log2 e, and ln 2 split so that j·LN2_HI is exact for |j| < 2^8 (LN2_HI has 15 bits). */
const LOG2E: f32 = <f32>Math.LOG2E;
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
/** 1/√(2π). */
const INV_SQRT_2PI: f32 = 0.3989422804014327;
/** Clears the low 12 bits of a float32's significand, leaving 12 bits whose square is exact. */
const HIGH_BITS: i32 = 0xfffff000;

/** GELU in float64, as the reference: x·½·(1 + erf(x/√2)). */
function geluF64(x: f64): f64 {
  return x * 0.5 * (1 + erfF64(x * Math.SQRT1_2));
}

/** 1/√(2π) as the reference forms it. */
const INV_SQRT_2PI_F64: f64 = 1.1283791670955126 * Math.SQRT1_2 * 0.5;

/** GELU's vector-Jacobian product in float64, as the reference: g·(Φ(x) + x·φ(x)). */
function geluGradF64(g: f64, x: f64): f64 {
  const cdf = 0.5 * (1 + erfF64(x * Math.SQRT1_2));
  const pdf = expF64(-0.5 * x * x) * INV_SQRT_2PI_F64;
  return g * (cdf + x * pdf);
}

// The constants, each stored four times so that one load gives every lane: the engine builds a
// v128 constant from immediates in several instructions at every use.
const K_RANGE = 0;
const K_MINUS_HALF = 1;
const K_LOG2E = 2;
const K_LN2_HI = 3;
const K_LN2_LO = 4;
/** e^r's Taylor coefficients 1/0! … 1/7!. */
const K_EXP = 5;
/** R's numerator P0 … P4 and denominator 1, Q1 … Q5. */
const K_P = 13;
const K_Q = 18;
const K_ONE = 24;
const K_ZERO = 25;
const K_INV_SQRT_2PI = 26;
const K_HIGH_BITS = 27;
const K_EXPONENT_BIAS = 28;

const LANES: usize = memory.data<f32>([
  RANGE,
  RANGE,
  RANGE,
  RANGE,
  -0.5,
  -0.5,
  -0.5,
  -0.5,
  LOG2E,
  LOG2E,
  LOG2E,
  LOG2E,
  LN2_HI,
  LN2_HI,
  LN2_HI,
  LN2_HI,
  LN2_LO,
  LN2_LO,
  LN2_LO,
  LN2_LO,
  1.0,
  1.0,
  1.0,
  1.0,
  1.0,
  1.0,
  1.0,
  1.0,
  0.5,
  0.5,
  0.5,
  0.5,
  1.0 / 6.0,
  1.0 / 6.0,
  1.0 / 6.0,
  1.0 / 6.0,
  1.0 / 24.0,
  1.0 / 24.0,
  1.0 / 24.0,
  1.0 / 24.0,
  1.0 / 120.0,
  1.0 / 120.0,
  1.0 / 120.0,
  1.0 / 120.0,
  1.0 / 720.0,
  1.0 / 720.0,
  1.0 / 720.0,
  1.0 / 720.0,
  1.0 / 5040.0,
  1.0 / 5040.0,
  1.0 / 5040.0,
  1.0 / 5040.0,
  P0,
  P0,
  P0,
  P0,
  P1,
  P1,
  P1,
  P1,
  P2,
  P2,
  P2,
  P2,
  P3,
  P3,
  P3,
  P3,
  P4,
  P4,
  P4,
  P4,
  1.0,
  1.0,
  1.0,
  1.0,
  Q1,
  Q1,
  Q1,
  Q1,
  Q2,
  Q2,
  Q2,
  Q2,
  Q3,
  Q3,
  Q3,
  Q3,
  Q4,
  Q4,
  Q4,
  Q4,
  Q5,
  Q5,
  Q5,
  Q5,
  1.0,
  1.0,
  1.0,
  1.0,
  0.0,
  0.0,
  0.0,
  0.0,
  INV_SQRT_2PI,
  INV_SQRT_2PI,
  INV_SQRT_2PI,
  INV_SQRT_2PI,
  reinterpret<f32>(HIGH_BITS),
  reinterpret<f32>(HIGH_BITS),
  reinterpret<f32>(HIGH_BITS),
  reinterpret<f32>(HIGH_BITS),
  reinterpret<f32>(127),
  reinterpret<f32>(127),
  reinterpret<f32>(127),
  reinterpret<f32>(127),
]);

/** Constant number `c` in every lane. */
function k(c: i32): v128 {
  return v128.load(LANES + ((<usize>c) << 4));
}

/** acc·z + k(c): one step of Horner's form. */
function step(acc: v128, z: v128, c: i32): v128 {
  return f32x4.add(f32x4.mul(acc, z), k(c));
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript inlines only decorated members here
class Gelu {
  /** Lanes with |x| ≤ RANGE (not NaN). */
  @inline
  static inRange(x: v128): v128 {
    return f32x4.le(f32x4.abs(x), k(K_RANGE));
  }

  /**
   * e^(−t²/2) for 0 ≤ t ≤ RANGE. t² is split as th² + tl·(t + th), th being t's leading 12
   * bits, so that th² is exact: rounding t² itself would err by t²/2 units in the last place.
   * Then e^(a + b) = 2^j·e^r, r = a + b − j·ln 2 with |r| ≤ ln 2/2, by its Taylor series to r⁷.
   */
  @inline
  static expHalfSquare(t: v128): v128 {
    const th = v128.and(t, k(K_HIGH_BITS));
    const tl = f32x4.sub(t, th);
    const a = f32x4.mul(k(K_MINUS_HALF), f32x4.mul(th, th));
    const b = f32x4.mul(k(K_MINUS_HALF), f32x4.mul(tl, f32x4.add(t, th)));
    const j = f32x4.nearest(f32x4.mul(f32x4.add(a, b), k(K_LOG2E)));
    const r = f32x4.sub(
      f32x4.add(f32x4.sub(a, f32x4.mul(j, k(K_LN2_HI))), b),
      f32x4.mul(j, k(K_LN2_LO)),
    );
    let p = k(K_EXP + 7);
    p = step(p, r, K_EXP + 6);
    p = step(p, r, K_EXP + 5);
    p = step(p, r, K_EXP + 4);
    p = step(p, r, K_EXP + 3);
    p = step(p, r, K_EXP + 2);
    p = step(p, r, K_EXP + 1);
    p = step(p, r, K_EXP);
    // 2^j, j ≥ −122 here: j + 127 in the exponent field.
    const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(j), k(K_EXPONENT_BIAS)), 23);
    return f32x4.mul(p, scale);
  }

  /** R(t) = Q(t)·e^(t²/2) for 0 ≤ t ≤ RANGE. */
  @inline
  static millsRatio(t: v128): v128 {
    let p = k(K_P + 4);
    p = step(p, t, K_P + 3);
    p = step(p, t, K_P + 2);
    p = step(p, t, K_P + 1);
    p = step(p, t, K_P);
    let q = k(K_Q + 5);
    q = step(q, t, K_Q + 4);
    q = step(q, t, K_Q + 3);
    q = step(q, t, K_Q + 2);
    q = step(q, t, K_Q + 1);
    q = step(q, t, K_Q);
    return f32x4.div(p, q);
  }

  /** Φ(x) from x and e = e^(−x²/2). */
  @inline
  static cdf(x: v128, e: v128): v128 {
    const tail = f32x4.mul(e, Gelu.millsRatio(f32x4.abs(x)));
    return v128.bitselect(f32x4.sub(k(K_ONE), tail), tail, f32x4.ge(x, k(K_ZERO)));
  }

  /** GELU of four lanes in range. */
  @inline
  static value(x: v128): v128 {
    return f32x4.mul(x, Gelu.cdf(x, Gelu.expHalfSquare(f32x4.abs(x))));
  }

  /** g·(Φ(x) + x·φ(x)) for four lanes of x in range. */
  @inline
  static grad(g: v128, x: v128): v128 {
    const e = Gelu.expHalfSquare(f32x4.abs(x));
    const slope = f32x4.add(Gelu.cdf(x, e), f32x4.mul(x, f32x4.mul(e, k(K_INV_SQRT_2PI))));
    return f32x4.mul(g, slope);
  }
}

/** The last n & 3 elements at `at`, zeros after them. */
function loadTail(at: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(at, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(at, 8));
  return v;
}

/** The first `count` (1 to 3) lanes of v, stored at `at`. */
export function storeTail(at: usize, v: v128, count: i32): void {
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}

/**
 * y with its lanes whose x is out of range (NaN, ±∞, |x| > RANGE) replaced by the float64
 * form, as the reference computes them. Rare, so a call.
 */
function patchValue(x: v128, y: v128): v128 {
  let r = y;
  const x0 = f32x4.extract_lane(x, 0);
  const x1 = f32x4.extract_lane(x, 1);
  const x2 = f32x4.extract_lane(x, 2);
  const x3 = f32x4.extract_lane(x, 3);
  if (!(abs<f32>(x0) <= RANGE)) r = f32x4.replace_lane(r, 0, <f32>geluF64(x0));
  if (!(abs<f32>(x1) <= RANGE)) r = f32x4.replace_lane(r, 1, <f32>geluF64(x1));
  if (!(abs<f32>(x2) <= RANGE)) r = f32x4.replace_lane(r, 2, <f32>geluF64(x2));
  if (!(abs<f32>(x3) <= RANGE)) r = f32x4.replace_lane(r, 3, <f32>geluF64(x3));
  return r;
}

/** As patchValue, for GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)). */
function patchGrad(g: v128, x: v128, y: v128): v128 {
  let r = y;
  const x0 = f32x4.extract_lane(x, 0);
  const x1 = f32x4.extract_lane(x, 1);
  const x2 = f32x4.extract_lane(x, 2);
  const x3 = f32x4.extract_lane(x, 3);
  if (!(abs<f32>(x0) <= RANGE)) {
    r = f32x4.replace_lane(r, 0, <f32>geluGradF64(f32x4.extract_lane(g, 0), x0));
  }
  if (!(abs<f32>(x1) <= RANGE)) {
    r = f32x4.replace_lane(r, 1, <f32>geluGradF64(f32x4.extract_lane(g, 1), x1));
  }
  if (!(abs<f32>(x2) <= RANGE)) {
    r = f32x4.replace_lane(r, 2, <f32>geluGradF64(f32x4.extract_lane(g, 2), x2));
  }
  if (!(abs<f32>(x3) <= RANGE)) {
    r = f32x4.replace_lane(r, 3, <f32>geluGradF64(f32x4.extract_lane(g, 3), x3));
  }
  return r;
}

/** GELU of four lanes, any value. */
function valueAny(x: v128): v128 {
  const y = Gelu.value(x);
  return i32x4.all_true(Gelu.inRange(x)) ? y : patchValue(x, y);
}

/** GELU of n float32 elements at x into out; `out` may be `x`. */
export function geluF32(x: usize, out: usize, n: i32): void {
  const quads = (<usize>(n >> 2)) << 4;
  let at: usize = 0;
  // Two vectors a turn: their long dependency chains overlap.
  for (; at + 32 <= quads; at += 32) {
    const u = v128.load(x + at);
    const v = v128.load(x + at, 16);
    let a = Gelu.value(u);
    let b = Gelu.value(v);
    if (!i32x4.all_true(v128.and(Gelu.inRange(u), Gelu.inRange(v)))) {
      a = patchValue(u, a);
      b = patchValue(v, b);
    }
    v128.store(out + at, a);
    v128.store(out + at, b, 16);
  }
  if (at < quads) v128.store(out + at, valueAny(v128.load(x + at)));
  const rest = n & 3;
  if (rest) storeTail(out + quads, valueAny(loadTail(x + quads, rest)), rest);
}

/** g·(Φ(x) + x·φ(x)) for four lanes, any value. */
function gradAny(g: v128, x: v128): v128 {
  const y = Gelu.grad(g, x);
  return i32x4.all_true(Gelu.inRange(x)) ? y : patchGrad(g, x, y);
}

/**
 * out[i] = g[i]·(Φ(x[i]) + x[i]·φ(x[i])), GELU's vector-Jacobian product, for float32 g and x
 * of n elements each; `out` may be `g` or `x`.
 */
export function geluGradF32(g: usize, x: usize, out: usize, n: i32): void {
  const quads = (<usize>(n >> 2)) << 4;
  let at: usize = 0;
  for (; at + 32 <= quads; at += 32) {
    const u = v128.load(x + at);
    const v = v128.load(x + at, 16);
    const gu = v128.load(g + at);
    const gv = v128.load(g + at, 16);
    let a = Gelu.grad(gu, u);
    let b = Gelu.grad(gv, v);
    if (!i32x4.all_true(v128.and(Gelu.inRange(u), Gelu.inRange(v)))) {
      a = patchGrad(gu, u, a);
      b = patchGrad(gv, v, b);
    }
    v128.store(out + at, a);
    v128.store(out + at, b, 16);
  }
  if (at < quads) v128.store(out + at, gradAny(v128.load(g + at), v128.load(x + at)));
  const rest = n & 3;
  if (rest) {
    const y = gradAny(loadTail(g + quads, rest), loadTail(x + quads, rest));
    storeTail(out + quads, y, rest);
  }
}
