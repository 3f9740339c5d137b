/**
 * Float32 math for the WebGPU kernels, in WGSL. GPUs' built-in exp and log are only accurate
 * to a few units in the last place in absolute terms (log near 1, exp at large arguments are
 * far off relatively), and WGSL lacks erf, expm1, log1p and a C pow, so these are written out:
 * exp by Cody–Waite reduction and a polynomial, log and log1p by the atanh series of
 * log((1 + s)/(1 − s)), erf and erfc after fdlibm's s_erf.c (the reference backend's
 * coefficients), erfinv by Giles' single-precision approximation, fmod exactly on the
 * mantissas as fdlibm's fmodf. Domain edges (NaN, ±Infinity, 0, out-of-domain) are tested
 * first, because a GPU compiler may assume that none occurs.
 */
import type { BinaryKernel, UnaryKernel } from "../../backend.js";

export const MATH = `
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-06;
const LN2: f32 = 0.6931471805599453;
const LOG2E: f32 = 1.4426950408889634;
const LOG10E: f32 = 0.4342944819032518;

fn ldexp2(p: f32, k: i32) -> f32 {
  let h = k / 2;
  return ldexp(ldexp(p, h), k - h);
}

// e^r for |r| <= 0.36: Taylor to r^8, whose remainder is below float32's resolution.
fn exp_poly(r: f32) -> f32 {
  return 1.0 + r * (1.0 + r * (0.5 + r * (0.16666667 + r * (0.041666668 + r * (0.008333334
    + r * (0.0013888889 + r * (0.0001984127 + r * 0.0000248016)))))));
}

fn exp_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return f_inf(); }
  if (x < -103.97208) { return 0.0; }
  let k = round(x * LOG2E);
  // k * LN2_HI is exact (LN2_HI has 16 significant bits, |k| < 2^8).
  let r = (x - k * LN2_HI) - k * LN2_LO;
  return ldexp2(exp_poly(r), i32(k));
}

fn exp2_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 128.0) { return f_inf(); }
  if (x < -150.0) { return 0.0; }
  let k = round(x);
  return ldexp2(exp_poly((x - k) * LN2), i32(k));
}

// log(1 + f) = 2 atanh(s), s = f / (2 + f): the series in s for |s| <= 0.172.
fn log1p_series(f: f32) -> f32 {
  let s = f / (2.0 + f);
  let z = s * s;
  return 2.0 * s + 2.0 * s * z * (0.33333334 + z * (0.2 + z * (0.14285715 + z * (0.11111111
    + z * (0.09090909 + z * 0.07692308)))));
}

// x = m 2^e with m in [sqrt(1/2), sqrt(2)); returns (e, m - 1), m - 1 being exact.
fn log_split(x: f32) -> vec2<f32> {
  var y = x;
  var bias = 127;
  if ((bitcast<u32>(y) >> 23u) == 0u) { y = y * 8388608.0; bias = 150; }
  let bits = bitcast<u32>(y);
  var e = i32(bits >> 23u) - bias;
  var m = bitcast<f32>((bits & 0x7fffffu) | 0x3f800000u);
  if (m > 1.4142135) { m = m * 0.5; e = e + 1; }
  return vec2<f32>(f32(e), m - 1.0);
}

fn log_edge(x: f32) -> vec2<f32> {
  // (1, value) when x is an edge case, (0, 0) otherwise.
  if (is_nan(x) || (x < 0.0 && nonzero_f(x))) { return vec2<f32>(1.0, f_nan()); }
  if (!nonzero_f(x)) { return vec2<f32>(1.0, -f_inf()); }
  if (is_inf(x)) { return vec2<f32>(1.0, x); }
  return vec2<f32>(0.0, 0.0);
}

fn log_(x: f32) -> f32 {
  let edge = log_edge(x);
  if (edge.x != 0.0) { return edge.y; }
  let s = log_split(x);
  return s.x * LN2_HI + (s.x * LN2_LO + log1p_series(s.y));
}

fn log2_(x: f32) -> f32 {
  let edge = log_edge(x);
  if (edge.x != 0.0) { return edge.y; }
  let s = log_split(x);
  return s.x + log1p_series(s.y) * LOG2E;
}

fn log10_(x: f32) -> f32 {
  let edge = log_edge(x);
  if (edge.x != 0.0) { return edge.y; }
  let s = log_split(x);
  return (s.x * LN2_HI + (s.x * LN2_LO + log1p_series(s.y))) * LOG10E;
}

fn log1p_(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return f_nan(); }
  if (x == -1.0) { return -f_inf(); }
  if (is_inf(x)) { return x; }
  if (abs(x) < 0.29) { return log1p_series(x); }
  return log_(1.0 + x);
}

fn expm1_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.008333334
      + x * (0.0013888889 + x * (0.0001984127 + x * (0.0000248016 + x * 0.0000027557))))))));
  }
  return exp_(x) - 1.0;
}

fn sqrt_(x: f32) -> f32 {
  if (x < 0.0 && nonzero_f(x)) { return f_nan(); }
  if (is_nan(x) || !nonzero_f(x) || is_inf(x)) { return x; }
  return sqrt(x);
}

fn sigmoid_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + exp_(-x)); }
  let e = exp_(x);
  return e / (1.0 + e);
}

fn tanh_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  var t: f32;
  if (a > 9.1) { t = 1.0; } else if (a < 0.000244140625) { t = a; } else {
    let e = expm1_(2.0 * a);
    t = e / (e + 2.0);
  }
  return select(t, -t, sign_bit(x));
}

fn sinh_(x: f32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return x; }
  let a = abs(x);
  var s: f32;
  if (a < 1.0) {
    let e = expm1_(a);
    s = 0.5 * (e + e / (e + 1.0));
  } else {
    let e = exp_(0.5 * a);
    s = (0.5 * e) * e - 0.5 / (e * e);
  }
  return select(s, -s, sign_bit(x));
}

fn cosh_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (is_inf(a)) { return a; }
  let e = exp_(0.5 * a);
  return (0.5 * e) * e + 0.5 / (e * e);
}

fn asinh_(x: f32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a > 4096.0) { r = log_(a) + LN2; } else if (a < 0.000244140625) { r = a; } else {
    r = log1p_(a + a * a / (1.0 + sqrt(1.0 + a * a)));
  }
  return select(r, -r, sign_bit(x));
}

fn acosh_(x: f32) -> f32 {
  if (is_nan(x) || x < 1.0) { return f_nan(); }
  if (is_inf(x)) { return x; }
  if (x > 4096.0) { return log_(x) + LN2; }
  let t = x - 1.0;
  return log1p_(t + sqrt(2.0 * t + t * t));
}

fn atanh_(x: f32) -> f32 {
  let a = abs(x);
  if (is_nan(x) || a > 1.0) { return f_nan(); }
  if (a == 1.0) { return select(f_inf(), -f_inf(), sign_bit(x)); }
  var r: f32;
  if (a < 0.000244140625) { r = a; } else { r = 0.5 * log1p_(2.0 * a / (1.0 - a)); }
  return select(r, -r, sign_bit(x));
}

// sin and cos of |r| <= pi/4 by their Taylor series, exact to float32's resolution there.
fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-0.16666667 + z * (0.008333334 + z * (-0.0001984127 + z * 0.0000027557319)));
}
fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (0.041666668 + z * (-0.0013888889 + z * (0.0000248016
    + z * -0.00000027557319)));
}

// The bits of 2/pi after the binary point, 32 at a time (fdlibm's table).
var<private> TWO_OVER_PI: array<u32, 9> = array<u32, 9>(0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u,
  0xF534DDC0u, 0xDB629599u, 0x3C439041u, 0xFE5163ABu, 0xDEBBC561u, 0xB7246E3Au);

// Adds v, whose lowest bit weighs 2^e, into a fixed-point number kept as 16-bit digits
// (digit d holds the weights 2^(15 - 16d) .. 2^(-16d)); digits past either end are dropped.
fn fixed_add(acc: ptr<function, array<u32, 8>>, v: u32, e: i32) {
  for (var t = 0; t < 2; t++) {
    let chunk = (v >> u32(16 * t)) & 0xffffu;
    let w = e + 16 * t;
    let d = (15 - w) >> 4u;
    let shifted = chunk << u32(w + 16 * d);
    if (d >= 0 && d < 8) { (*acc)[d] += shifted & 0xffffu; }
    if (d >= 1 && d < 9) { (*acc)[d - 1] += shifted >> 16u; }
  }
}

struct Reduced { q: i32, r: f32 }

// a = q·(pi/2) + r with |r| <= pi/4 and q mod 4, for finite a >= pi/4, by Payne and Hanek's
// method: a's 24-bit significand times 2/pi's bits in exact integer arithmetic (16-bit digits,
// so no product needs more than 32 bits), keeping 112 bits of the fraction, so that r is
// accurate relatively even where a lies close to a multiple of pi/2, for every float32.
fn reduce_half_pi(a: f32) -> Reduced {
  let bits = bitcast<u32>(a);
  let m = (bits & 0x7fffffu) | 0x800000u;
  let e = i32((bits >> 23u) & 0xffu) - 150;
  let m0 = m & 0xffffu;
  let m1 = m >> 16u;
  var acc: array<u32, 8>;
  for (var j = 0; j < 9; j++) {
    let low = e - 32 * (j + 1);
    if (low >= 2) { continue; }
    if (low + 56 < -128) { break; }
    let w0 = TWO_OVER_PI[j] & 0xffffu;
    let w1 = TWO_OVER_PI[j] >> 16u;
    fixed_add(&acc, m0 * w0, low);
    fixed_add(&acc, m0 * w1, low + 16);
    fixed_add(&acc, m1 * w0, low + 16);
    fixed_add(&acc, m1 * w1, low + 32);
  }
  for (var d = 7; d > 0; d--) {
    acc[d - 1] += acc[d] >> 16u;
    acc[d] &= 0xffffu;
  }
  var q = i32(acc[0] & 3u);
  // A fraction of a half or more is taken from the next multiple, 1 − fraction, in the
  // integers: subtracting in float32 would cancel the leading bits r needs.
  let above = acc[1] >= 0x8000u;
  if (above) {
    q = q + 1;
    var carry = 1u;
    for (var d = 7; d >= 1; d--) {
      let v = (0xffffu - acc[d]) + carry;
      acc[d] = v & 0xffffu;
      carry = v >> 16u;
    }
  }
  var f = 0.0;
  for (var d = 7; d >= 1; d--) { f = (f + f32(acc[d])) * 0.0000152587890625; }
  let r = f * 1.5707964;
  return Reduced(q & 3, select(r, -r, above));
}

// sin (which 0), cos (1) or tan (2): x reduced by multiples of pi/2 (reduce_half_pi), then a
// polynomial chosen by the quadrant. GPUs' own sin is accurate only in absolute terms, which
// fails sin near 0 relatively, and reduces large arguments poorly.
fn trig_(x: f32, which: u32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return f_nan(); }
  var r = x;
  var q = 0;
  if (abs(x) > 0.7853982) {
    let reduced = reduce_half_pi(abs(x));
    r = select(reduced.r, -reduced.r, sign_bit(x));
    q = select(reduced.q, (4 - reduced.q) & 3, sign_bit(x));
  }
  let s = sin_poly(r);
  let c = cos_poly(r);
  if (which == 2u) {
    if ((q & 1) == 0) { return s / c; }
    return -c / s;
  }
  let quadrant = (q + i32(which)) & 3;
  if (quadrant == 0) { return s; }
  if (quadrant == 1) { return c; }
  if (quadrant == 2) { return -s; }
  return -c;
}

// atan on [0, tan(pi/8)] by its series (11 terms reach float32's resolution).
fn atan_series(t: f32) -> f32 {
  let z = t * t;
  return t - t * z * (0.33333334 - z * (0.2 - z * (0.14285715 - z * (0.11111111 - z * (0.09090909
    - z * (0.07692308 - z * (0.06666667 - z * (0.05882353 - z * (0.05263158
    - z * (0.04761905 - z * 0.04347826))))))))));
}

// atan(a) for a >= 0: reduced to [0, tan(pi/8)] by atan(a) = pi/2 - atan(1/a) and
// atan(a) = pi/4 + atan((a - 1)/(a + 1)).
fn atan_pos(a: f32) -> f32 {
  var t = a;
  var base = 0.0;
  var flip = false;
  if (t > 1.0) { t = 1.0 / t; flip = true; }
  if (t > 0.41421357) { base = 0.7853982; t = (t - 1.0) / (t + 1.0); }
  let r = base + atan_series(t);
  if (flip) { return 1.5707964 - r; }
  return r;
}

fn atan_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (is_inf(x)) { return select(1.5707964, -1.5707964, x < 0.0); }
  if (abs(x) < 0.000244140625) { return x; }
  let r = atan_pos(abs(x));
  return select(r, -r, x < 0.0);
}

// asin(a) for 0 <= a <= 1/2.
fn asin_small(a: f32) -> f32 {
  if (a < 0.000244140625) { return a; }
  return atan_pos(a / sqrt(1.0 - a * a));
}

fn asin_(x: f32) -> f32 {
  let a = abs(x);
  if (is_nan(x) || a > 1.0) { return f_nan(); }
  var r: f32;
  // Above 1/2, asin(a) = pi/2 - 2 asin(sqrt((1 - a)/2)), 1 - a being exact.
  if (a <= 0.5) { r = asin_small(a); } else { r = 1.5707964 - 2.0 * asin_small(sqrt(0.5 * (1.0 - a))); }
  if (a == 0.0) { return x; }
  return select(r, -r, x < 0.0);
}

fn acos_(x: f32) -> f32 {
  if (is_nan(x) || abs(x) > 1.0) { return f_nan(); }
  if (abs(x) <= 0.5) { return 1.5707964 - select(asin_small(x), -asin_small(-x), x < 0.0); }
  if (x > 0.0) { return 2.0 * asin_small(sqrt(0.5 * (1.0 - x))); }
  return 3.1415927 - 2.0 * asin_small(sqrt(0.5 * (1.0 + x)));
}

// erf(x)/x - 1 for |x| < 0.84375.
fn erf_small(x: f32) -> f32 {
  let z = x * x;
  let r = 0.12837916709551256 + z * (-0.3250421072470015 + z * (-0.02848174957559851
    + z * (-0.005770270296489442 + z * -0.000023763016656650163)));
  let s = 1.0 + z * (0.39791722395915535 + z * (0.0650222499887673 + z * (0.005081306281875766
    + z * (0.00013249473800432164 + z * -0.000003960228278775368))));
  return r / s;
}

// erf(1 + s) - erf(1) for 0.84375 <= 1 + s < 1.25.
fn erf_near_one(s: f32) -> f32 {
  let p = -0.0023621185607526594 + s * (0.41485611868374833 + s * (-0.3722078760357013
    + s * (0.31834661990116175 + s * (-0.11089469428239668 + s * (0.035478304325618236
    + s * -0.002166375594868791)))));
  let q = 1.0 + s * (0.10642088040084423 + s * (0.540397917702171 + s * (0.07182865441419627
    + s * (0.12617121980876164 + s * (0.01363708391202905 + s * 0.011984499846799107)))));
  return p / q;
}

// erfc(x) for 1.25 <= x: exp(-x^2 - 0.5625 + R/S)/x, x^2 split so that exp's argument is exact.
fn erf_tail(x: f32) -> f32 {
  let s = 1.0 / (x * x);
  var r: f32;
  var q: f32;
  if (x < 2.857143) {
    r = -0.009864944034847148 + s * (-0.6938585727071818 + s * (-10.558626225323291
      + s * (-62.375332450326006 + s * (-162.39666946257347 + s * (-184.60509290671104
      + s * (-81.2874355063066 + s * -9.814329344169145))))));
    q = 1.0 + s * (19.651271667439257 + s * (137.65775414351904 + s * (434.56587747522923
      + s * (645.3872717332679 + s * (429.00814002756783 + s * (108.63500554177944
      + s * (6.570249770319282 + s * -0.0604244152148581)))))));
  } else {
    r = -0.0098649429247001 + s * (-0.799283237680523 + s * (-17.757954917754752
      + s * (-160.63638485582192 + s * (-637.5664433683896 + s * (-1025.0951316110772
      + s * -483.5191916086514)))));
    q = 1.0 + s * (30.33806074348246 + s * (325.7925129965739 + s * (1536.729586084437
      + s * (3199.8582195085955 + s * (2553.0504064331644 + s * (474.52854120695537
      + s * -22.44095244658582))))));
  }
  let z = bitcast<f32>(bitcast<u32>(x) & 0xfffff000u);
  return exp_(-z * z - 0.5625) * exp_((z - x) * (z + x) + r / q) / x;
}

const ERX: f32 = 0.8450629115104675;

fn erf_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  var y: f32;
  if (a < 0.84375) {
    if (a < 0.0000000037252903) { return x + 0.1283791670955126 * x; }
    return x + x * erf_small(x);
  }
  if (a < 1.25) { y = ERX + erf_near_one(a - 1.0); }
  else if (a >= 6.0) { y = 1.0; }
  else { y = 1.0 - erf_tail(a); }
  return select(y, -y, x < 0.0);
}

// GELU and its vector-Jacobian product. Φ(x) is ½·erfc(−x/√2) rather than ½·(1 + erf(x/√2)):
// in float32 the sum cancels to 0 below x ≈ −5, where erfc keeps Φ's relative precision.
fn normal_cdf_(x: f32) -> f32 {
  return 0.5 * erfc_(-x * 0.70710678118654752);
}

fn gelu_(x: f32) -> f32 {
  return x * normal_cdf_(x);
}

fn gelu_grad_(g: f32, x: f32) -> f32 {
  let density = exp_(-0.5 * x * x) * 0.3989422804014327;
  return g * (normal_cdf_(x) + x * density);
}

fn erfc_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a < 0.84375) {
    if (a < 0.0000000037252903) { return 1.0 - x; }
    let y = erf_small(x);
    if (x < 0.25) { return 1.0 - (x + x * y); }
    return 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) {
    let p = erf_near_one(a - 1.0);
    if (x > 0.0) { return 1.0 - ERX - p; }
    return 1.0 + (ERX + p);
  }
  if (x >= 28.0) { return 0.0; }
  if (x <= -6.0) { return 2.0; }
  let t = erf_tail(a);
  return select(2.0 - t, t, x > 0.0);
}

fn erfinv_(y: f32) -> f32 {
  if (is_nan(y) || abs(y) > 1.0) { return f_nan(); }
  if (y == 1.0) { return f_inf(); }
  if (y == -1.0) { return -f_inf(); }
  if (!nonzero_f(y)) { return y; }
  let a = abs(y);
  var w = -log_((1.0 - a) * (1.0 + a));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
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
    w = sqrt(w) - 3.0;
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
  var x = p * a;
  if (a < 0.5) {
    // One Newton step on erf(x) = a, where erf is accurate relatively.
    x = x - (erf_(x) - a) / (1.1283791670955126 * exp_(-x * x));
  }
  return select(x, -x, y < 0.0);
}

// x = m 2^(e - 150) with m a 24-bit integer (subnormals normalised); returns (e, m).
fn f32_parts(bits: u32) -> vec2<i32> {
  var e = i32(bits >> 23u);
  var m = bits & 0x7fffffu;
  if (e == 0) {
    e = 1;
    loop { if (m >= 0x800000u) { break; } m = m << 1u; e = e - 1; }
  } else { m = m | 0x800000u; }
  return vec2<i32>(e, i32(m));
}

// C's fmod, exact: the remainder of the mantissas by shift-and-subtract (fdlibm's fmodf).
fn fmod_(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b) || is_inf(a) || !nonzero_f(b)) { return f_nan(); }
  if (is_inf(b)) { return a; }
  let sa = bitcast<u32>(a) & 0x80000000u;
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ua < ub) { return a; }
  if (ua == ub) { return bitcast<f32>(sa); }
  let pa = f32_parts(ua);
  let pb = f32_parts(ub);
  var hx = u32(pa.y);
  let mb = u32(pb.y);
  var n = pa.x - pb.x;
  loop {
    if (n <= 0) { break; }
    if (hx >= mb) { hx = hx - mb; }
    if (hx == 0u) { return bitcast<f32>(sa); }
    hx = hx + hx;
    n = n - 1;
  }
  if (hx >= mb) { hx = hx - mb; }
  if (hx == 0u) { return bitcast<f32>(sa); }
  var e = pb.x;
  loop { if (hx >= 0x800000u) { break; } hx = hx << 1u; e = e - 1; }
  var bits: u32;
  if (e >= 1) { bits = (u32(e) << 23u) | (hx & 0x7fffffu); } else { bits = hx >> u32(1 - e); }
  return bitcast<f32>(bits | sa);
}

fn remainder_(a: f32, b: f32) -> f32 {
  let r = fmod_(a, b);
  if (nonzero_f(r) && !is_nan(r) && (r < 0.0) != (b < 0.0)) { return r + b; }
  return r;
}

fn copysign_(a: f32, b: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(a) & 0x7fffffffu) | (bitcast<u32>(b) & 0x80000000u));
}

fn div_(a: f32, b: f32) -> f32 {
  if (!nonzero_f(b) && !is_nan(b)) {
    if (is_nan(a) || !nonzero_f(a)) { return f_nan(); }
    return copysign_(f_inf(), bitcast<f32>(bitcast<u32>(a) ^ (bitcast<u32>(b) & 0x80000000u)));
  }
  return a / b;
}

fn floor_divide_(a: f32, b: f32) -> f32 {
  if (!nonzero_f(b)) { return div_(a, b); }
  let m = fmod_(a, b);
  var d = (a - m) / b;
  if (is_nan(d)) { return d; }
  if (nonzero_f(m) && (b < 0.0) != (m < 0.0)) { d = d - 1.0; }
  if (!nonzero_f(d)) { return copysign_(0.0, div_(a, b)); }
  var q = floor(d);
  if (d - q > 0.5) { q = q + 1.0; }
  return q;
}

fn is_odd_integer(b: f32) -> bool {
  return abs(b) < 16777216.0 && floor(b) == b && (i32(b) & 1) == 1;
}

// C99's pow (Annex F), which PyTorch's pow follows.
fn pow_(a: f32, b: f32) -> f32 {
  if (a == 1.0 || (!nonzero_f(b) && !is_nan(b))) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  if (is_inf(b)) {
    if (a == -1.0) { return 1.0; }
    if ((abs(a) < 1.0) == (b > 0.0)) { return 0.0; }
    return f_inf();
  }
  let odd = is_odd_integer(b);
  if (!nonzero_f(a)) {
    if (b > 0.0) { return select(0.0, a, odd); }
    return select(f_inf(), copysign_(f_inf(), a), odd);
  }
  if (is_inf(a)) {
    var r = select(0.0, f_inf(), b > 0.0);
    if (a < 0.0 && odd) { r = -r; }
    return r;
  }
  // Small integer exponents by repeated squaring, exact wherever the result is representable
  // (4² is 16, where exp(2·log 4) is off by an ulp), as C's pow is.
  if (floor(b) == b && abs(b) <= 64.0) {
    var e = u32(abs(b));
    var base = a;
    var r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a < 0.0) {
    if (floor(b) != b) { return f_nan(); }
    let r = exp_(b * log_(-a));
    return select(r, -r, odd);
  }
  return exp_(b * log_(a));
}

fn hypot_(a: f32, b: f32) -> f32 {
  if (is_inf(a) || is_inf(b)) { return f_inf(); }
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  let x = abs(a);
  let y = abs(b);
  let m = max(x, y);
  if (m == 0.0) { return 0.0; }
  let s = min(x, y) / m;
  return m * sqrt(1.0 + s * s);
}

fn logaddexp_(a: f32, b: f32) -> f32 {
  if (a == b && !is_nan(a) && is_inf(a)) { return a; }
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  let m = max(a, b);
  return m + log1p_(exp_(-abs(a - b)));
}

// C's atan2(y, x), with its signed zeros and infinities.
fn atan2_(y: f32, x: f32) -> f32 {
  if (is_nan(y) || is_nan(x)) { return f_nan(); }
  let negative = sign_bit(y);
  var r: f32;
  if (is_inf(y) && is_inf(x)) {
    r = select(0.7853982, 2.3561945, x < 0.0);
  } else if (is_inf(y) || (!nonzero_f(x) && nonzero_f(y))) {
    r = 1.5707964;
  } else if (!nonzero_f(y) || is_inf(x)) {
    r = select(0.0, 3.1415927, sign_bit(x));
  } else {
    let a = atan_pos(abs(y) / abs(x));
    r = select(a, 3.1415927 - a, x < 0.0);
  }
  return select(r, -r, negative);
}

fn max_nan(a: f32, b: f32) -> f32 { if (is_nan(a) || a >= b) { return a; } return b; }
fn min_nan(a: f32, b: f32) -> f32 { if (is_nan(a) || a <= b) { return a; } return b; }
fn lt_(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a < b; }
fn le_(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a <= b; }
fn eq_(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a == b; }
fn b2f(c: bool) -> f32 { return select(0.0, 1.0, c); }
fn b2i(c: bool) -> i32 { return select(0, 1, c); }

// Integer forms, with JavaScript's results for what Int32Array stores.
fn idiv_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } return a / b; }
fn ifmod_(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } if (b == -1) { return 0; } return a % b; }
fn iremainder_(a: i32, b: i32) -> i32 {
  let r = ifmod_(a, b);
  if (r != 0 && (r < 0) != (b < 0)) { return r + b; }
  return r;
}
fn ifloor_divide_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var result = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { result = result * base; }
    base = base * base;
    e = e >> 1u;
  }
  return result;
}
`;

/** Each unary kernel as a WGSL expression over the f32 `v`. */
export const UNARY_F32: Record<UnaryKernel, string> = {
  neg: "-v",
  exp: "exp_(v)",
  log: "log_(v)",
  sqrt: "sqrt_(v)",
  abs: "abs(v)",
  relu: "select(select(0.0, v, v > 0.0), v, is_nan(v))",
  sigmoid: "sigmoid_(v)",
  tanh: "tanh_(v)",
  sign: "select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0 && !is_nan(v))",
  step: "select(0.0, 1.0, v > 0.0 && !is_nan(v))",
  sin: "trig_(v, 0u)",
  cos: "trig_(v, 1u)",
  floor: "floor(v)",
  ceil: "ceil(v)",
  // WGSL's round() breaks ties to even, as torch.round does.
  round: "round(v)",
  trunc: "trunc(v)",
  tan: "trig_(v, 2u)",
  asin: "asin_(v)",
  acos: "acos_(v)",
  atan: "atan_(v)",
  sinh: "sinh_(v)",
  cosh: "cosh_(v)",
  asinh: "asinh_(v)",
  acosh: "acosh_(v)",
  atanh: "atanh_(v)",
  log2: "log2_(v)",
  log10: "log10_(v)",
  log1p: "log1p_(v)",
  exp2: "exp2_(v)",
  expm1: "expm1_(v)",
  erf: "erf_(v)",
  erfc: "erfc_(v)",
  erfinv: "erfinv_(v)",
  gelu: "gelu_(v)",
};

/**
 * Unary kernels that stay exact in 32-bit integers, as WGSL over the i32 `v`; the others
 * compute in float32 and store with typed-array rules.
 */
export const UNARY_I32: Partial<Record<UnaryKernel, string>> = {
  neg: "-v",
  abs: "abs(v)",
  relu: "max(v, 0)",
  sign: "select(select(0, -1, v < 0), 1, v > 0)",
  step: "select(0, 1, v > 0)",
  floor: "v",
  ceil: "v",
  round: "v",
  trunc: "v",
};

/** Each binary kernel as a WGSL f32 expression over the f32 `a` and `b`. */
export const BINARY_F32: Record<BinaryKernel, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "div_(a, b)",
  pow: "pow_(a, b)",
  maximum: "max_nan(a, b)",
  minimum: "min_nan(a, b)",
  eq: "b2f(eq_(a, b))",
  ne: "b2f(!eq_(a, b))",
  lt: "b2f(lt_(a, b))",
  le: "b2f(le_(a, b))",
  gt: "b2f(lt_(b, a))",
  ge: "b2f(le_(b, a))",
  reluGrad: "select(0.0, a, b > 0.0 && !is_nan(b))",
  geluGrad: "gelu_grad_(a, b)",
  atan2: "atan2_(a, b)",
  remainder: "remainder_(a, b)",
  fmod: "fmod_(a, b)",
  floorDivide: "floor_divide_(a, b)",
  copysign: "copysign_(a, b)",
  hypot: "hypot_(a, b)",
  logaddexp: "logaddexp_(a, b)",
  logicalAnd: "b2f(nonzero_f(a) && nonzero_f(b))",
  logicalOr: "b2f(nonzero_f(a) || nonzero_f(b))",
  logicalXor: "b2f(nonzero_f(a) != nonzero_f(b))",
};

/**
 * Binary kernels over integers as WGSL i32 expressions over the i32 `a` and `b`, wrapping as a
 * store into an Int32Array does; the rest (atan2, hypot, logaddexp) go through float32.
 */
export const BINARY_I32: Partial<Record<BinaryKernel, string>> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "idiv_(a, b)",
  pow: "ipow_(a, b)",
  maximum: "max(a, b)",
  minimum: "min(a, b)",
  eq: "b2i(a == b)",
  ne: "b2i(a != b)",
  lt: "b2i(a < b)",
  le: "b2i(a <= b)",
  gt: "b2i(a > b)",
  ge: "b2i(a >= b)",
  reluGrad: "select(0, a, b > 0)",
  remainder: "iremainder_(a, b)",
  fmod: "ifmod_(a, b)",
  floorDivide: "ifloor_divide_(a, b)",
  copysign: "select(abs(a), -abs(a), b < 0)",
  logicalAnd: "b2i(a != 0 && b != 0)",
  logicalOr: "b2i(a != 0 || b != 0)",
  logicalXor: "b2i((a != 0) != (b != 0))",
};
