/**
 * The error function, its complement and its inverse in float64, accurate to about one unit
 * in the last place: JavaScript has no Math.erf, and the kernels must agree with PyTorch's
 * float64 results (glibc's erf and erfc, which are fdlibm's) to within 1e-15 relatively.
 *
 * erf and erfc follow fdlibm's s_erf.c: a rational approximation of erf(x)/x near 0, of
 * erf(x) − erf(1) around 1, and of log(x·erfc(x)) + x² in two ranges beyond; the
 * coefficients are fdlibm's.
 *
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunPro, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */

/** erf(1) rounded to float precision; erf(1 + s) = ERX + P(s)/Q(s) on [0.84375, 1.25]. */
const ERX = 0.8450629115104675;
/** 2/√π − 1, for tiny arguments, where erf(x) = x + EFX·x. */
const EFX = 0.1283791670955126;
/** 8·EFX, for subnormal arguments, scaled up by 8 so that the product keeps its bits. */
const EFX8 = 1.0270333367641007;

/** erf(x)/x − 1 ≈ P(x²)/Q(x²) for |x| < 0.84375. */
function smallRatio(x: number): number {
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

/** erf(1 + s) − ERX for 0.84375 ≤ 1 + s < 1.25. */
function nearOne(s: number): number {
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

/**
 * erfc(x) for 1.25 ≤ x < 28: exp(−x² − 0.5625 + R/S)/x, with x² split as z² + (z − x)(z + x),
 * z being x with its low 32 bits cleared, so that exp's argument keeps every bit.
 */
function tail(x: number): number {
  const s = 1 / (x * x);
  let r: number;
  let q: number;
  // fdlibm splits at the high word 0x4006DB6E, just above 1/0.35.
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
  const z = highBits(x);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + r / q)) / x;
}

const bits = new DataView(new ArrayBuffer(8));

/** x with the low 32 bits of its float64 representation cleared. */
function highBits(x: number): number {
  bits.setFloat64(0, x);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/** The error function, 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  let y: number;
  if (a < 0.84375) {
    // Below 2^-28, x + x·(EFX + O(x²)) is x + EFX·x to the last bit (±0 keeps its sign).
    if (a < 2 ** -28) return a < 2 ** -1015 ? 0.125 * (8 * x + EFX8 * x) : x + EFX * x;
    return x + x * smallRatio(x);
  }
  if (a < 1.25) y = ERX + nearOne(a - 1);
  else if (a >= 6) y = 1;
  else y = 1 - tail(a);
  return x < 0 ? -y : y;
}

/** The complementary error function, 1 − erf(x), without cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -56) return 1 - x;
    const y = smallRatio(x);
    // Between 1/4 and 0.84375, 1 − x is formed first so that the sum cancels no bits.
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) {
    const p = nearOne(a - 1);
    return x > 0 ? 1 - ERX - p : 1 + (ERX + p);
  }
  if (x >= 28) return 0;
  if (x <= -6) return 2;
  const t = tail(a);
  return x > 0 ? t : 2 - t;
}

const SQRT_PI_HALF = Math.sqrt(Math.PI) / 2;

/**
 * The inverse error function on [−1, 1]: ±∞ at ±1, NaN outside. Giles' single-precision
 * approximation ("Approximating the erfinv function", GPU Computing Gems, 2011) gives about
 * seven digits where float32 reaches (1 − |y| ≥ 2^-24) and a rough start beyond; Newton steps
 * finish the job. Below |y| = 0.5 they solve erf(x) = |y|. Above, where erf's rounding near 1
 * would hide the residual, they solve erfc(x) = 1 − |y| (1 − |y| is exact there, and erfc
 * keeps its relative accuracy): first on the logarithms, which are nearly linear in x and so
 * converge from the rough start, then on the values, whose residual is accurate to the last bit.
 */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return Number.NaN;
  if (y === 1) return Number.POSITIVE_INFINITY;
  if (y === -1) return Number.NEGATIVE_INFINITY;
  if (y === 0) return y;
  const a = Math.abs(y);
  let x = gilesErfinv(a);
  if (a < 0.5) {
    // Seven digits, doubled by each step: three reach float64's sixteen.
    for (let i = 0; i < 3; i++) x -= (erf(x) - a) / (Math.exp(-x * x) / SQRT_PI_HALF);
  } else {
    const target = 1 - a;
    const logTarget = Math.log(target);
    for (let i = 0; i < 12; i++) {
      const c = erfc(x);
      // d log erfc(x)/dx = −e^(−x²)/(erfc(x)·√π/2)
      const step = ((Math.log(c) - logTarget) * c * SQRT_PI_HALF) / Math.exp(-x * x);
      x += step;
      if (Math.abs(step) < 1e-8 * x) break;
    }
    for (let i = 0; i < 2; i++) x += ((erfc(x) - target) * SQRT_PI_HALF) / Math.exp(-x * x);
  }
  return y < 0 ? -x : x;
}

/** Giles' single-precision erfinv for 0 < a < 1, evaluated in float64. */
function gilesErfinv(a: number): number {
  let w = -Math.log((1 - a) * (1 + a));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * a;
}
