// Row softmax and log-softmax of float32 rows, four lanes at a time. The maximum and the
// subtraction are the reference's; exp is a SIMD polynomial (Cephes' expf: about 2 ulp of
// float32) rather than the float64 Math.exp the reference calls, and the sum and the final
// scaling run in float64, so each result is within a few float32 ulps of the reference's.

const LOG2E: f32 = <f32>Math.LOG2E;
// ln 2 split in two, so that n·ln 2 is subtracted without rounding away r's low bits.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
/**
 * Below this, exp(x) is under float32's smallest normal number and written as 0 (the
 * reference's float32 result there is at most 1.2e-38 after division by a sum ≥ 1); it also
 * keeps the exponent n + 127 built below positive.
 */
const UNDERFLOW: f32 = -87.3;

/**
 * The exponential, inlined where it is used (a call per vector made the engine spill SIMD
 * registers around it: a [8192, 64] softmax took 3.1 ms in the kernel, inlined 2.5). A class
 * of static methods because `@inline` decorates methods (the formatter rejects it on plain
 * functions, and had dropped it from these).
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript inlines only decorated members here
class Exp {
  /**
   * e^(a − m) in each lane (a − m ≤ 0 or NaN; −∞ gives 0). The difference is taken exactly,
   * as the reference takes it in float64: its float32 rounding error (up to half an ulp of
   * a − m, which e^· would turn into a relative error of 2e-6 at a − m ≈ −30) is recovered as
   * in Knuth's two-sum and added to the reduced argument.
   */
  @inline
  static diff(a: v128, m: v128): v128 {
    const x = f32x4.sub(a, m);
    const back = f32x4.sub(x, a);
    const low = f32x4.add(f32x4.sub(a, f32x4.sub(x, back)), f32x4.sub(f32x4.neg(m), back));
    const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
    let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
    r = f32x4.add(f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO))), low);
    let p = f32x4.splat(1.98756915e-4);
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
    const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(r, r), p), r), f32x4.splat(1));
    // 2^n from its exponent bits: n + 127 shifted into place.
    const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
    const y = f32x4.mul(e, scale);
    return v128.andnot(y, f32x4.lt(x, f32x4.splat(UNDERFLOW)));
  }

  /** diff for one value (the rows' tails). */
  @inline
  static scalar(a: f32, m: f32): f32 {
    return f32x4.extract_lane(Exp.diff(f32x4.splat(a), f32x4.splat(m)), 0);
  }
}

/**
 * Softmax (log = 0) or log-softmax (log = 1) of rows [r0, r1) of x (contiguous rows of
 * `cols` float32s) into out, which may be x itself.
 */
export function softmaxF32(x: usize, out: usize, r0: i32, r1: i32, cols: i32, log: i32): void {
  const rowBytes = (<usize>cols) << 2;
  for (let r = r0; r < r1; r++) {
    softmaxRow(x + <usize>r * rowBytes, out + <usize>r * rowBytes, cols, log, false);
  }
}

/**
 * Softmax (log = 0) or log-softmax (log = 1) of the `cols` float32s at xr into those at or
 * (which may be xr). `empty`: a row whose maximum is −∞ (every element −∞) gets zeros, as
 * attention gives a query with no key, rather than the NaNs of 0/0.
 */
export function softmaxRow(xr: usize, or: usize, cols: i32, log: i32, empty: bool): void {
  // The maximum, as the reference's `x > max` except that a NaN makes it NaN (and then
  // every result NaN, which is what the reference gets through its sum).
  let m4 = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= cols; j += 4) m4 = f32x4.max(m4, v128.load(xr + ((<usize>j) << 2)));
  let m = max(
    max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
    max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)),
  );
  for (; j < cols; j++) m = max(m, load<f32>(xr + ((<usize>j) << 2)));
  if (m === -Infinity && empty) {
    memory.fill(or, 0, (<usize>cols) << 2);
    return;
  }
  // A row of −∞ has no finite maximum; shifting by 0 keeps exp from producing NaN.
  if (m === -Infinity) m = 0;
  const mv = f32x4.splat(m);
  // e = exp(x − max), kept in out for the scaling pass; summed in float64.
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  j = 0;
  const minusInfinity = f32x4.splat(-Infinity);
  for (; j + 4 <= cols; j += 4) {
    const at = (<usize>j) << 2;
    const x = v128.load(xr + at);
    // Four masked-out scores (a causal mask's upper triangle): e^−∞ is +0, which adds nothing.
    if (!v128.any_true(f32x4.ne(x, minusInfinity))) {
      if (!log) v128.store(or + at, f32x4.splat(0));
      continue;
    }
    const e = Exp.diff(x, mv);
    if (!log) v128.store(or + at, e);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
  }
  let sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0);
  sum += f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1);
  for (; j < cols; j++) {
    const at = (<usize>j) << 2;
    const e = Exp.scalar(load<f32>(xr + at), m);
    if (!log) store<f32>(or + at, e);
    sum += <f64>e;
  }
  j = 0;
  if (log) {
    // out = x − max − log Σ, in float64 as the reference.
    const shift = f64x2.splat(<f64>m + Math.log(sum));
    for (; j + 4 <= cols; j += 4) {
      const at = (<usize>j) << 2;
      const v = v128.load(xr + at);
      const lo = f64x2.sub(f64x2.promote_low_f32x4(v), shift);
      const hi = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), shift);
      const a = f32x4.demote_f64x2_zero(lo);
      const b = f32x4.demote_f64x2_zero(hi);
      v128.store(or + at, i64x2.shuffle(a, b, 0, 2));
    }
    const s = <f64>m + Math.log(sum);
    for (; j < cols; j++) {
      const at = (<usize>j) << 2;
      store<f32>(or + at, <f32>(<f64>load<f32>(xr + at) - s));
    }
  } else {
    // out = e / Σ as e · (1 / Σ) in float64: one rounding to float32.
    const inv = 1 / sum;
    const scale = f64x2.splat(inv);
    for (; j + 4 <= cols; j += 4) {
      const at = (<usize>j) << 2;
      const e = v128.load(or + at);
      const lo = f64x2.mul(f64x2.promote_low_f32x4(e), scale);
      const hi = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)), scale);
      const a = f32x4.demote_f64x2_zero(lo);
      const b = f32x4.demote_f64x2_zero(hi);
      v128.store(or + at, i64x2.shuffle(a, b, 0, 2));
    }
    for (; j < cols; j++) {
      const at = (<usize>j) << 2;
      store<f32>(or + at, <f32>(<f64>load<f32>(or + at) * inv));
    }
  }
}

/**
 * The vector-Jacobian product of softmax (log = 0) or log-softmax (log = 1) for rows [r0, r1)
 * of contiguous rows of `cols` float32s, from the forward's output y and its gradient dy:
 * out = y ⊙ (dy − Σ_j dy_j·y_j), or out = dy − exp(y)·Σ_j dy_j. The sum (in four lanes, then
 * added pairwise) and each output run in float64, rounded once to float32; log-softmax's exp
 * is the forward's polynomial. `out` may be dy itself: each row reads its dy before writing.
 */
export function softmaxBackwardF32(
  y: usize,
  dy: usize,
  out: usize,
  r0: i32,
  r1: i32,
  cols: i32,
  log: i32,
): void {
  const rowBytes = (<usize>cols) << 2;
  for (let r = r0; r < r1; r++) {
    const at = <usize>r * rowBytes;
    softmaxBackwardRow(y + at, dy + at, out + at, cols, log);
  }
}

/** softmaxBackwardF32 for one row: y, dy and out at yr, dr and or (or may be dr). */
export function softmaxBackwardRow(yr: usize, dr: usize, or: usize, cols: i32, log: i32): void {
  const zero = f32x4.splat(0);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const at = (<usize>j) << 2;
    const b = v128.load(dr + at);
    // Σ dy·y, or Σ dy for log-softmax.
    const a = log ? f32x4.splat(1) : v128.load(yr + at);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
    const ah = f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 0, 1));
    const bh = f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1));
    s1 = f64x2.add(s1, f64x2.mul(ah, bh));
  }
  let dot = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0);
  dot += f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1);
  for (; j < cols; j++) {
    const at = (<usize>j) << 2;
    const b = <f64>load<f32>(dr + at);
    dot += log ? b : <f64>load<f32>(yr + at) * b;
  }
  const d = f64x2.splat(dot);
  j = 0;
  for (; j + 4 <= cols; j += 4) {
    const at = (<usize>j) << 2;
    const v = v128.load(yr + at);
    const b = v128.load(dr + at);
    const bh = f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1));
    let lo: v128;
    let hi: v128;
    if (log) {
      const e = Exp.diff(v, zero);
      const eh = f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1));
      lo = f64x2.sub(f64x2.promote_low_f32x4(b), f64x2.mul(f64x2.promote_low_f32x4(e), d));
      hi = f64x2.sub(bh, f64x2.mul(eh, d));
    } else {
      const vh = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      lo = f64x2.mul(f64x2.promote_low_f32x4(v), f64x2.sub(f64x2.promote_low_f32x4(b), d));
      hi = f64x2.mul(vh, f64x2.sub(bh, d));
    }
    const lo4 = f32x4.demote_f64x2_zero(lo);
    const hi4 = f32x4.demote_f64x2_zero(hi);
    v128.store(or + at, i64x2.shuffle(lo4, hi4, 0, 2));
  }
  for (; j < cols; j++) {
    const at = (<usize>j) << 2;
    const v = load<f32>(yr + at);
    const b = <f64>load<f32>(dr + at);
    const o = log ? b - <f64>Exp.scalar(v, 0) * dot : <f64>v * (b - dot);
    store<f32>(or + at, <f32>o);
  }
}
