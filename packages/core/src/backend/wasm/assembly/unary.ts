// Float32 unary kernels whose JavaScript loops cost the most in a training step: −x, |x| and
// √x as one SIMD instruction per four lanes, and eˣ and erf x evaluated in float64 exactly as
// the JavaScript reference evaluates them (V8's Math.exp is fdlibm's e_exp.c, ported below
// operation for operation; erf is the reference's port of fdlibm's s_erf.c), then rounded to
// float32 once, as storing the reference's float64 result into a Float32Array rounds it. GELU,
// whose float32 definition is in float32 arithmetic, is in gelu.ts.

import { geluF32 } from "./gelu";

/** Unary codes, in the order of the JavaScript caller's table. */
const NEG = 0;
const ABS = 1;
const SQRT = 2;
const EXP = 3;
const ERF = 4;
const GELU = 5;

// fdlibm's e_exp.c constants.
const O_THRESHOLD: f64 = 709.782712893384;
const U_THRESHOLD: f64 = -745.1332191019411;
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = Math.LOG2E;
const P1: f64 = 0.16666666666666602;
const P2: f64 = -0.0027777777777015593;
const P3: f64 = 0.00006613756321437934;
const P4: f64 = -0.0000016533902205465252;
const P5: f64 = 4.1381367970572385e-8;
/** e, which V8 returns for exp(1) itself (the reduction below misses its last bit). */
const E: f64 = Math.E;
/** 2^-1000. */
const TWO_M1000: f64 = 9.332636185032189e-302;
/** 2^1023. */
const TWO_1023: f64 = 8.98846567431158e307;

/** eˣ as V8's Math.exp computes it (fdlibm's __ieee754_exp with V8's exp(1) = e). */
export function expF64(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const xsb = <i32>(bits >> 63);
  const hx = <u32>(bits >> 32) & 0x7fffffff;
  // Non-finite arguments, overflow and underflow.
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) !== 0) return x + x;
      return xsb === 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  // Argument reduction: x = k·ln2 + (hi − lo), |hi − lo| ≤ ln2/2.
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x === 1.0) return E;
      hi = xsb ? x + LN2_HI : x - LN2_HI;
      lo = xsb ? -LN2_LO : LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INV_LN2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1.0 + x;
  }
  const t = x * x;
  const twopk =
    k >= -1021
      ? reinterpret<f64>((<u64>(0x3ff00000 + (k << 20))) << 32)
      : reinterpret<f64>((<u64>(0x3ff00000 + ((k + 1000) << 20))) << 32);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) {
    if (k === 1024) return y * 2.0 * TWO_1023;
    return y * twopk;
  }
  return y * twopk * TWO_M1000;
}

// The reference's erf (src/backend/reference/erf.ts), expression for expression.
const ERX: f64 = 0.8450629115104675;
const EFX: f64 = 0.1283791670955126;
const EFX8: f64 = 1.0270333367641007;

function smallRatio(x: f64): f64 {
  const z = x * x;
  const r =
    0.12837916709551256 +
    z *
      (-0.3250421072470015 +
        z * (-0.02848174957559851 + z * (-0.005770270296489442 + z * -0.000023763016656650163)));
  const s =
    1 +
    z *
      (0.39791722395915535 +
        z *
          (0.0650222499887673 +
            z *
              (0.005081306281875766 +
                z * (0.00013249473800432164 + z * -0.000003960228278775368))));
  return r / s;
}

function nearOne(s: f64): f64 {
  const p =
    -0.0023621185607526594 +
    s *
      (0.41485611868374833 +
        s *
          (-0.3722078760357013 +
            s *
              (0.31834661990116175 +
                s *
                  (-0.11089469428239668 +
                    s * (0.035478304325618236 + s * -0.002166375594868791)))));
  const q =
    1 +
    s *
      (0.10642088040084423 +
        s *
          (0.540397917702171 +
            s *
              (0.07182865441419627 +
                s * (0.12617121980876164 + s * (0.01363708391202905 + s * 0.011984499846799107)))));
  return p / q;
}

function tail(x: f64): f64 {
  const s = 1 / (x * x);
  let r: f64;
  let q: f64;
  if (x < 2.8571434020996094) {
    r =
      -0.009864944034847148 +
      s *
        (-0.6938585727071818 +
          s *
            (-10.558626225323291 +
              s *
                (-62.375332450326006 +
                  s *
                    (-162.39666946257347 +
                      s *
                        (-184.60509290671104 +
                          s * (-81.2874355063066 + s * -9.814329344169145))))));
    q =
      1 +
      s *
        (19.651271667439257 +
          s *
            (137.65775414351904 +
              s *
                (434.56587747522923 +
                  s *
                    (645.3872717332679 +
                      s *
                        (429.00814002756783 +
                          s *
                            (108.63500554177944 +
                              s * (6.570249770319282 + s * -0.0604244152148581)))))));
  } else {
    r =
      -0.0098649429247001 +
      s *
        (-0.799283237680523 +
          s *
            (-17.757954917754752 +
              s *
                (-160.63638485582192 +
                  s * (-637.5664433683896 + s * (-1025.0951316110772 + s * -483.5191916086514)))));
    q =
      1 +
      s *
        (30.33806074348246 +
          s *
            (325.7925129965739 +
              s *
                (1536.729586084437 +
                  s *
                    (3199.8582195085955 +
                      s *
                        (2553.0504064331644 +
                          s * (474.52854120695537 + s * -22.44095244658582))))));
  }
  // x with the low 32 bits of its representation cleared.
  const z = reinterpret<f64>(reinterpret<u64>(x) & 0xffffffff00000000);
  return (expF64(-z * z - 0.5625) * expF64((z - x) * (z + x) + r / q)) / x;
}

/** The error function as the reference computes it. */
export function erfF64(x: f64): f64 {
  // A NaN is the one value unequal to itself.
  // biome-ignore lint/suspicious/noSelfCompare: the NaN test
  if (x !== x) return x;
  const a = abs<f64>(x);
  let y: f64;
  if (a < 0.84375) {
    if (a < 3.725290298461914e-9) {
      return a < 2.848094538889218e-306 ? 0.125 * (8 * x + EFX8 * x) : x + EFX * x;
    }
    return x + x * smallRatio(x);
  }
  if (a < 1.25) y = ERX + nearOne(a - 1);
  else if (a >= 6) y = 1;
  else y = 1 - tail(a);
  return x < 0 ? -y : y;
}

// Two lanes of float64 at a time: the common ranges of exp and erf without a branch per element
// (random signs and magnitudes mispredict the scalar code's range tests), each lane computed
// with exactly the scalar code's operations; a pair with a lane outside those ranges is
// computed by the scalar code instead.

/** |x| at or above this ⟺ fdlibm's high word of |x| is above 0x3fd62e42 (|x| > ln2/2). */
const HALF_LN2_BOUND: f64 = reinterpret<f64>(0x3fd62e4300000000);
/** |x| below this ⟺ the high word is below 0x3ff0a2b2 (|x| < 1.5·ln2). */
const THREE_HALVES_LN2_BOUND: f64 = reinterpret<f64>(0x3ff0a2b200000000);
/** 2^-28: below it exp(x) is 1 + x, and erf(x) is x + EFX·x. */
const TINY: f64 = 3.725290298461914e-9;

// The lane code's constants, each stored twice so that one load gives both lanes: the engine
// builds a v128 constant from immediates in several instructions at every use, and the
// polynomials below use dozens. Offsets are in constants; polynomials list their coefficients
// from the constant term up.
const C_TINY = 0;
const C_EXP_MAX = 1;
const C_ONE = 2;
const C_HALF_LN2 = 3;
const C_THREE_HALVES_LN2 = 4;
const C_HALF = 5;
const C_INV_LN2 = 6;
const C_LN2_HI = 7;
const C_LN2_LO = 8;
const C_TWO = 9;
const C_ERF_SMALL = 10;
const C_ERF_NEAR = 11;
const C_ERX = 12;
/** exp's P1…P5. */
const C_EXP_P = 13;
/** erf(x)/x − 1 ≈ R(z)/S(z), z = x², below 0.84375: R's 5 and S's 6 coefficients. */
const C_ERF_R = 18;
const C_ERF_S = 23;
/** erf(1 + s) − erx ≈ P(s)/Q(s) up to 1.25: P's 7 and Q's 7 coefficients. */
const C_ERF_P = 29;
const C_ERF_Q = 36;
/** −0: the sign bit alone. */
const C_SIGN = 43;
/** 1.5·2^52, whose sum with an integer-valued double holds the integer in its low bits. */
const C_ROUNDING = 44;
/** The int64 1023 in both lanes. */
const C_EXPONENT_BIAS = 45;
/** erf's tail, 1.25 ≤ |x| < 6: where it ends, where its second rational form starts
 * (1/0.35, as the scalar code's test), 0.5625, and the mask that keeps a double's high word. */
const C_ERF_TAIL_END = 46;
const C_ERF_FAR = 47;
const C_NINE_SIXTEENTHS = 48;
const C_HIGH_WORD = 49;
/** The tail's R (8 coefficients) and S (9) below 1/0.35, and above it, each padded with a
 * leading 0 to the same count: a Horner step from 0 gives the next coefficient exactly. */
const C_TAIL_R_NEAR = 50;
const C_TAIL_S_NEAR = 58;
const C_TAIL_R_FAR = 67;
const C_TAIL_S_FAR = 75;
/** e, expF64's value at 1. */
const C_E = 84;

const LANES: usize = memory.data<f64>([
  TINY,
  TINY,
  700,
  700,
  1,
  1,
  HALF_LN2_BOUND,
  HALF_LN2_BOUND,
  THREE_HALVES_LN2_BOUND,
  THREE_HALVES_LN2_BOUND,
  0.5,
  0.5,
  INV_LN2,
  INV_LN2,
  LN2_HI,
  LN2_HI,
  LN2_LO,
  LN2_LO,
  2,
  2,
  0.84375,
  0.84375,
  1.25,
  1.25,
  ERX,
  ERX,
  P1,
  P1,
  P2,
  P2,
  P3,
  P3,
  P4,
  P4,
  P5,
  P5,
  0.12837916709551256,
  0.12837916709551256,
  -0.3250421072470015,
  -0.3250421072470015,
  -0.02848174957559851,
  -0.02848174957559851,
  -0.005770270296489442,
  -0.005770270296489442,
  -0.000023763016656650163,
  -0.000023763016656650163,
  1,
  1,
  0.39791722395915535,
  0.39791722395915535,
  0.0650222499887673,
  0.0650222499887673,
  0.005081306281875766,
  0.005081306281875766,
  0.00013249473800432164,
  0.00013249473800432164,
  -0.000003960228278775368,
  -0.000003960228278775368,
  -0.0023621185607526594,
  -0.0023621185607526594,
  0.41485611868374833,
  0.41485611868374833,
  -0.3722078760357013,
  -0.3722078760357013,
  0.31834661990116175,
  0.31834661990116175,
  -0.11089469428239668,
  -0.11089469428239668,
  0.035478304325618236,
  0.035478304325618236,
  -0.002166375594868791,
  -0.002166375594868791,
  1,
  1,
  0.10642088040084423,
  0.10642088040084423,
  0.540397917702171,
  0.540397917702171,
  0.07182865441419627,
  0.07182865441419627,
  0.12617121980876164,
  0.12617121980876164,
  0.01363708391202905,
  0.01363708391202905,
  0.011984499846799107,
  0.011984499846799107,
  -0.0,
  -0.0,
  6755399441055744.0,
  6755399441055744.0,
  reinterpret<f64>(1023),
  reinterpret<f64>(1023),
  6.0,
  6.0,
  2.8571434020996094,
  2.8571434020996094,
  0.5625,
  0.5625,
  reinterpret<f64>(0xffffffff00000000),
  reinterpret<f64>(0xffffffff00000000),
  -0.009864944034847148,
  -0.009864944034847148,
  -0.6938585727071818,
  -0.6938585727071818,
  -10.558626225323291,
  -10.558626225323291,
  -62.375332450326006,
  -62.375332450326006,
  -162.39666946257347,
  -162.39666946257347,
  -184.60509290671104,
  -184.60509290671104,
  -81.2874355063066,
  -81.2874355063066,
  -9.814329344169145,
  -9.814329344169145,
  1.0,
  1.0,
  19.651271667439257,
  19.651271667439257,
  137.65775414351904,
  137.65775414351904,
  434.56587747522923,
  434.56587747522923,
  645.3872717332679,
  645.3872717332679,
  429.00814002756783,
  429.00814002756783,
  108.63500554177944,
  108.63500554177944,
  6.570249770319282,
  6.570249770319282,
  -0.0604244152148581,
  -0.0604244152148581,
  -0.0098649429247001,
  -0.0098649429247001,
  -0.799283237680523,
  -0.799283237680523,
  -17.757954917754752,
  -17.757954917754752,
  -160.63638485582192,
  -160.63638485582192,
  -637.5664433683896,
  -637.5664433683896,
  -1025.0951316110772,
  -1025.0951316110772,
  -483.5191916086514,
  -483.5191916086514,
  0.0,
  0.0,
  1.0,
  1.0,
  30.33806074348246,
  30.33806074348246,
  325.7925129965739,
  325.7925129965739,
  1536.729586084437,
  1536.729586084437,
  3199.8582195085955,
  3199.8582195085955,
  2553.0504064331644,
  2553.0504064331644,
  474.52854120695537,
  474.52854120695537,
  -22.44095244658582,
  -22.44095244658582,
  0.0,
  0.0,
  E,
  E,
]);

/** Constant number `c` in both lanes. */
function lanes(c: i32): v128 {
  return v128.load(LANES + ((<usize>c) << 4));
}

/** c + z·acc: one step of a polynomial in Horner's form, as the scalar code takes it. */
function step(c: i32, z: v128, acc: v128): v128 {
  return f64x2.add(lanes(c), f64x2.mul(z, acc));
}

/**
 * c₀ + z·(c₁ + z·(… + z·c₍ₙ₋₁₎)) for n = 5, 6 or 7 coefficients from constant number `c`:
 * the scalar code's Horner form, operation for operation, written out so that the engine
 * sees straight-line code.
 */
function horner(z: v128, c: i32, n: i32): v128 {
  let acc = lanes(c + n - 1);
  if (n >= 7) acc = step(c + 5, z, acc);
  if (n >= 6) acc = step(c + 4, z, acc);
  acc = step(c + 3, z, acc);
  acc = step(c + 2, z, acc);
  acc = step(c + 1, z, acc);
  return step(c, z, acc);
}

/**
 * Horner's form over n coefficients as `horner`, each lane taking its coefficients from the
 * set at `far` where `useFar` is set and from the set at `near` elsewhere.
 */
function hornerSelect(z: v128, near: i32, far: i32, n: i32, useFar: v128): v128 {
  let acc = v128.bitselect(lanes(far + n - 1), lanes(near + n - 1), useFar);
  for (let i = n - 2; i >= 0; i--) {
    const c = v128.bitselect(lanes(far + i), lanes(near + i), useFar);
    acc = f64x2.add(c, f64x2.mul(z, acc));
  }
  return acc;
}

/**
 * The two-lane (float64) forms, inlined where they are used: the engine spills every SIMD
 * register around a call, which made a call per pair cost as much as the arithmetic. A class
 * of static methods because `@inline` decorates methods (the formatter rejects it on plain
 * functions).
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript inlines only decorated members here
class Lanes {
  /** Each lane by the scalar code: expF64 (exp) or erfF64. */
  static each(x: v128, exp: bool): v128 {
    const x0 = f64x2.extract_lane(x, 0);
    const x1 = f64x2.extract_lane(x, 1);
    return f64x2.replace_lane(
      f64x2.splat(exp ? expF64(x0) : erfF64(x0)),
      1,
      exp ? expF64(x1) : erfF64(x1),
    );
  }

  /** eˣ for two lanes as expF64 computes each: `expCore`, or the scalar code for a pair out of its range. */
  @inline
  static exp(x: v128): v128 {
    if (!i64x2.all_true(Lanes.expRange(x))) return Lanes.each(x, true);
    return Lanes.expCore(x);
  }

  /** The lanes `expCore` computes: |x| < 700, not NaN. */
  @inline
  static expRange(x: v128): v128 {
    return f64x2.lt(f64x2.abs(x), lanes(C_EXP_MAX));
  }

  /** eˣ for two lanes in `expRange`, as expF64 computes each: 1 + x below 2^-28, e at 1. */
  @inline
  static expCore(x: v128): v128 {
    const tiny = f64x2.lt(f64x2.abs(x), lanes(C_TINY));
    const one = f64x2.eq(x, lanes(C_ONE));
    const e = v128.bitselect(f64x2.add(lanes(C_ONE), x), Lanes.expGeneral(x), tiny);
    return v128.bitselect(lanes(C_E), e, one);
  }

  /**
   * eˣ for two lanes with 2^-28 ≤ |x| < 700 and x ≠ 1, as expF64 computes each. Within that
   * range its three reductions are one: with k = 0 (|x| ≤ ln2/2) hi = x − 0·ln2hi = x and
   * lo = +0 make the general formula's 1 − ((lo − xc/(2 − c)) − hi) equal fdlibm's
   * 1 − (xc/(c − 2) − x), and with k = ±1 (|x| < 1.5·ln2) x − k·ln2hi and k·ln2lo are
   * fdlibm's x ∓ ln2hi and ±ln2lo exactly.
   */
  @inline
  static expGeneral(x: v128): v128 {
    const a = f64x2.abs(x);
    const sign = v128.and(x, lanes(C_SIGN));
    const reduced = f64x2.ge(a, lanes(C_HALF_LN2));
    const nearLn2 = v128.and(reduced, f64x2.lt(a, lanes(C_THREE_HALVES_LN2)));
    // k = (int)(x/ln2 ± 1/2), or ±1 near ln2, or 0 below ln2/2.
    const general = f64x2.trunc(
      f64x2.add(f64x2.mul(lanes(C_INV_LN2), x), v128.or(lanes(C_HALF), sign)),
    );
    const k = v128.and(v128.bitselect(v128.or(lanes(C_ONE), sign), general, nearLn2), reduced);
    const hi = f64x2.sub(x, f64x2.mul(k, lanes(C_LN2_HI)));
    const lo = f64x2.mul(k, lanes(C_LN2_LO));
    const r = f64x2.sub(hi, lo);
    const t = f64x2.mul(r, r);
    const c = f64x2.sub(r, f64x2.mul(t, horner(t, C_EXP_P, 5)));
    const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(lanes(C_TWO), c));
    const y = f64x2.sub(lanes(C_ONE), f64x2.sub(f64x2.sub(lo, q), hi));
    // 2^k: k + 1.5·2^52 holds k in its low bits (two's complement), and the exponent field
    // takes the low 11 bits of k + 1023 (|k| ≤ 1010).
    const kBits = f64x2.add(k, lanes(C_ROUNDING));
    return f64x2.mul(y, i64x2.shl(i64x2.add(kBits, lanes(C_EXPONENT_BIAS)), 52));
  }

  /**
   * erf for two lanes as erfF64 computes each, for 2^-28 ≤ |x| < 6 (the rational forms near 0
   * and near 1 and the tail's two exps, which a GELU's inputs almost always fall in), each
   * form computed only when a lane needs it; a pair with a lane beyond (NaN, tiny arguments,
   * |x| ≥ 6) goes to the scalar code.
   */
  @inline
  static erf(x: v128): v128 {
    if (!i64x2.all_true(Lanes.erfRange(x))) return Lanes.each(x, false);
    return Lanes.erfCore(x);
  }

  /** The lanes `erfCore` computes: 2^-28 ≤ |x| < 6. */
  @inline
  static erfRange(x: v128): v128 {
    const a = f64x2.abs(x);
    return v128.and(f64x2.ge(a, lanes(C_TINY)), f64x2.lt(a, lanes(C_ERF_TAIL_END)));
  }

  /** erf for two lanes in `erfRange`, as erfF64 computes each. */
  @inline
  static erfCore(x: v128): v128 {
    const a = f64x2.abs(x);
    const small = f64x2.lt(a, lanes(C_ERF_SMALL));
    // x + x·R(z)/S(z) below 0.84375.
    let nearZero = x;
    if (v128.any_true(small)) {
      const z = f64x2.mul(x, x);
      const ratio = f64x2.div(horner(z, C_ERF_R, 5), horner(z, C_ERF_S, 6));
      nearZero = f64x2.add(x, f64x2.mul(x, ratio));
      if (i64x2.all_true(small)) return nearZero;
    }
    // The others compute y = erf |x| > 0; x's sign bit on y then makes −y for x < 0.
    const nearOne = f64x2.lt(a, lanes(C_ERF_NEAR));
    let y = a;
    if (v128.any_true(v128.andnot(nearOne, small))) {
      // erx + P(s)/Q(s), s = |x| − 1, up to 1.25.
      const s = f64x2.sub(a, lanes(C_ONE));
      y = f64x2.add(lanes(C_ERX), f64x2.div(horner(s, C_ERF_P, 7), horner(s, C_ERF_Q, 7)));
    }
    if (!i64x2.all_true(nearOne)) y = v128.bitselect(y, Lanes.erfTail(a), nearOne);
    return v128.bitselect(nearZero, v128.or(y, v128.and(x, lanes(C_SIGN))), small);
  }

  /**
   * 1 − erfc a for two lanes, 1.25 ≤ a < 6, as the scalar code's 1 − tail(a): erfc a =
   * e^(−z² − 0.5625)·e^((z − a)(z + a) + R/S)/a, z being a with its low word cleared, and R/S a
   * rational function of 1/a² with one set of coefficients below 1/0.35 and another above.
   */
  @inline
  static erfTail(a: v128): v128 {
    const s = f64x2.div(lanes(C_ONE), f64x2.mul(a, a));
    const far = f64x2.ge(a, lanes(C_ERF_FAR));
    const r = hornerSelect(s, C_TAIL_R_NEAR, C_TAIL_R_FAR, 8, far);
    const q = hornerSelect(s, C_TAIL_S_NEAR, C_TAIL_S_FAR, 9, far);
    const z = v128.and(a, lanes(C_HIGH_WORD));
    // Both arguments are in expGeneral's range: −z² − 0.5625 lies in [−36.6, −2.1], and R/S,
    // fdlibm's correction log(a·erfc a) + a² + 0.5625, stays within [−0.22, −0.03] for
    // 1.25 ≤ a < 6 while (z − a)(z + a) is below 2^-18 in magnitude.
    const e0 = Lanes.expGeneral(f64x2.sub(f64x2.mul(f64x2.neg(z), z), lanes(C_NINE_SIXTEENTHS)));
    const arg = f64x2.add(f64x2.mul(f64x2.sub(z, a), f64x2.add(z, a)), f64x2.div(r, q));
    const e1 = Lanes.expGeneral(arg);
    return f64x2.sub(lanes(C_ONE), f64x2.div(f64x2.mul(e0, e1), a));
  }
}

/** Two float32s at `at`, as float64 lanes. */
function load2(at: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(at));
}

/** Two float64 lanes rounded once each to float32, stored at `at`. */
function store2(at: usize, v: v128): void {
  v128.store64_lane(at, f32x4.demote_f64x2_zero(v), 0);
}

/** −x, |x| or √x, four lanes at a time. */
function signRows(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    const v = v128.load(x + at);
    v128.store(out + at, op === NEG ? f32x4.neg(v) : op === ABS ? f32x4.abs(v) : f32x4.sqrt(v));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const v = load<f32>(x + at);
    store<f32>(out + at, op === NEG ? -v : op === ABS ? abs<f32>(v) : sqrt<f32>(v));
  }
}

/**
 * Bytes of float32 input (64 pairs) whose range is checked at once. A chunk that is all in
 * range runs a loop with no calls in it, two pairs per turn: a call to the scalar code
 * anywhere in the loop made the engine keep fewer values in registers throughout, and the
 * pairs' long dependency chains overlap better two at a time (1M normal values: eˣ 7.4 →
 * 6.2 ns a value, GELU's gradient 21.5 → 18.5; erf and GELU, whose own branches dominate,
 * gained nothing this way and keep the plain loop).
 */
const CHUNK_BYTES: usize = 512;

/** All lanes of `mask` set. */
function allSet(mask: v128): bool {
  return i64x2.all_true(mask);
}

/** eˣ, two elements at a time (the last one alone). */
function expRows(x: usize, out: usize, n: i32): void {
  const pairs = (<usize>(n >> 1)) << 3;
  for (let start: usize = 0; start < pairs; start += CHUNK_BYTES) {
    const end = min(start + CHUNK_BYTES, pairs);
    let inRange = i64x2.splat(-1);
    for (let at = start; at < end; at += 8) {
      inRange = v128.and(inRange, Lanes.expRange(load2(x + at)));
    }
    let at = start;
    if (allSet(inRange)) {
      for (; at + 16 <= end; at += 16) {
        const a = Lanes.expCore(load2(x + at));
        const b = Lanes.expCore(load2(x + at + 8));
        store2(out + at, a);
        store2(out + at + 8, b);
      }
      if (at < end) store2(out + at, Lanes.expCore(load2(x + at)));
    } else {
      for (; at < end; at += 8) store2(out + at, Lanes.exp(load2(x + at)));
    }
  }
  if (n & 1) store<f32>(out + pairs, <f32>expF64(load<f32>(x + pairs)));
}

/** erf x, two elements at a time (the last one alone). */
function erfRows(x: usize, out: usize, n: i32): void {
  const pairs = (<usize>(n >> 1)) << 3;
  for (let at: usize = 0; at < pairs; at += 8) store2(out + at, Lanes.erf(load2(x + at)));
  if (n & 1) store<f32>(out + pairs, <f32>erfF64(load<f32>(x + pairs)));
}

/**
 * out[i] = f(x[i]) for i < n, f one of −x, |x|, √x (exact in float32: √ of a float32 rounded
 * once to float32 equals the float64 root rounded to float32), eˣ and erf x (in float64, then
 * rounded once) and GELU (gelu.ts). `out` may be `x`.
 */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  if (op === NEG) signRows(NEG, x, out, n);
  else if (op === ABS) signRows(ABS, x, out, n);
  else if (op === SQRT) signRows(SQRT, x, out, n);
  else if (op === EXP) expRows(x, out, n);
  else if (op === ERF) erfRows(x, out, n);
  else if (op === GELU) geluF32(x, out, n);
}
