// Layer normalisation of float32 rows and its input gradient, evaluated in float64 lanes in
// exactly the reference's order (src/backend/reference/reference-backend.ts): a row's sums run
// as four partial sums, one per column modulo 4, which are added as (s0 + s1) + (s2 + s3)
// before the columns past the last multiple of four are added one by one; every output is
// its float64 value rounded once. Results are bit-identical to the reference.

/** Four float32s at `at` as two float64 pairs: [x0, x1] and [x2, x3]. */
function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two float64 pairs rounded to float32 and stored as four at `at`. */
function store4(at: usize, lo: v128, hi: v128): void {
  v128.store(at, i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2));
}

/** (s0 + s1) + (s2 + s3) for lanes [s0, s1] of a and [s2, s3] of b. */
function total(a: v128, b: v128): f64 {
  return (
    f64x2.extract_lane(a, 0) +
    f64x2.extract_lane(a, 1) +
    (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1))
  );
}

/**
 * Rows [r0, r1) of x (contiguous rows of `cols`): xhat = (x − mean)·rstd, rstd = 1/√(var +
 * eps), out = xhat·weight + bias (weight and bias are addresses, 0 where absent).
 */
export function layerNormF32(
  x: usize,
  out: usize,
  xhat: usize,
  rstd: usize,
  weight: usize,
  bias: usize,
  r0: i32,
  r1: i32,
  cols: i32,
  eps: f64,
): void {
  const rowBytes = (<usize>cols) << 2;
  const full = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * rowBytes;
    let a = f64x2.splat(0);
    let b = f64x2.splat(0);
    for (let j = 0; j < full; j += 4) {
      const v = v128.load(xr + ((<usize>j) << 2));
      a = f64x2.add(a, low(v));
      b = f64x2.add(b, high(v));
    }
    let sum = total(a, b);
    for (let j = full; j < cols; j++) sum += <f64>load<f32>(xr + ((<usize>j) << 2));
    const mean = sum / <f64>cols;
    const m = f64x2.splat(mean);
    a = f64x2.splat(0);
    b = f64x2.splat(0);
    for (let j = 0; j < full; j += 4) {
      const v = v128.load(xr + ((<usize>j) << 2));
      const d0 = f64x2.sub(low(v), m);
      const d1 = f64x2.sub(high(v), m);
      a = f64x2.add(a, f64x2.mul(d0, d0));
      b = f64x2.add(b, f64x2.mul(d1, d1));
    }
    let squares = total(a, b);
    for (let j = full; j < cols; j++) {
      const d = <f64>load<f32>(xr + ((<usize>j) << 2)) - mean;
      squares += d * d;
    }
    const scale = 1 / Math.sqrt(squares / <f64>cols + eps);
    store<f32>(rstd + ((<usize>r) << 2), <f32>scale);
    const s = f64x2.splat(scale);
    const hr = xhat + <usize>r * rowBytes;
    const or = out + <usize>r * rowBytes;
    for (let j = 0; j < full; j += 4) {
      const at = (<usize>j) << 2;
      const v = v128.load(xr + at);
      let h0 = f64x2.mul(f64x2.sub(low(v), m), s);
      let h1 = f64x2.mul(f64x2.sub(high(v), m), s);
      store4(hr + at, h0, h1);
      if (weight) {
        const w = v128.load(weight + at);
        h0 = f64x2.mul(h0, low(w));
        h1 = f64x2.mul(h1, high(w));
      }
      if (bias) {
        const c = v128.load(bias + at);
        h0 = f64x2.add(h0, low(c));
        h1 = f64x2.add(h1, high(c));
      }
      store4(or + at, h0, h1);
    }
    for (let j = full; j < cols; j++) {
      const at = (<usize>j) << 2;
      let h = (<f64>load<f32>(xr + at) - mean) * scale;
      store<f32>(hr + at, <f32>h);
      if (weight) h *= <f64>load<f32>(weight + at);
      if (bias) h += <f64>load<f32>(bias + at);
      store<f32>(or + at, <f32>h);
    }
  }
}

/**
 * Rows [r0, r1) of the input gradient: with ĝ = g·weight (g where weight is 0), dx =
 * rstd·(ĝ − mean ĝ − xhat·mean(ĝ·xhat)).
 */
export function layerNormBackwardF32(
  g: usize,
  xhat: usize,
  rstd: usize,
  weight: usize,
  dx: usize,
  r0: i32,
  r1: i32,
  cols: i32,
): void {
  const rowBytes = (<usize>cols) << 2;
  const full = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const gr = g + <usize>r * rowBytes;
    const hr = xhat + <usize>r * rowBytes;
    let a = f64x2.splat(0);
    let b = f64x2.splat(0);
    let pa = f64x2.splat(0);
    let pb = f64x2.splat(0);
    for (let j = 0; j < full; j += 4) {
      const at = (<usize>j) << 2;
      const v = v128.load(gr + at);
      let g0 = low(v);
      let g1 = high(v);
      if (weight) {
        const w = v128.load(weight + at);
        g0 = f64x2.mul(g0, low(w));
        g1 = f64x2.mul(g1, high(w));
      }
      const h = v128.load(hr + at);
      a = f64x2.add(a, g0);
      b = f64x2.add(b, g1);
      pa = f64x2.add(pa, f64x2.mul(g0, low(h)));
      pb = f64x2.add(pb, f64x2.mul(g1, high(h)));
    }
    let sum = total(a, b);
    let projection = total(pa, pb);
    for (let j = full; j < cols; j++) {
      const at = (<usize>j) << 2;
      let scaled = <f64>load<f32>(gr + at);
      if (weight) scaled *= <f64>load<f32>(weight + at);
      sum += scaled;
      projection += scaled * <f64>load<f32>(hr + at);
    }
    const meanGrad = f64x2.splat(sum / <f64>cols);
    const meanProjection = f64x2.splat(projection / <f64>cols);
    const scale = f64x2.splat(<f64>load<f32>(rstd + ((<usize>r) << 2)));
    const dr = dx + <usize>r * rowBytes;
    for (let j = 0; j < full; j += 4) {
      const at = (<usize>j) << 2;
      const v = v128.load(gr + at);
      let g0 = low(v);
      let g1 = high(v);
      if (weight) {
        const w = v128.load(weight + at);
        g0 = f64x2.mul(g0, low(w));
        g1 = f64x2.mul(g1, high(w));
      }
      const h = v128.load(hr + at);
      const d0 = f64x2.sub(f64x2.sub(g0, meanGrad), f64x2.mul(low(h), meanProjection));
      const d1 = f64x2.sub(f64x2.sub(g1, meanGrad), f64x2.mul(high(h), meanProjection));
      store4(dr + at, f64x2.mul(scale, d0), f64x2.mul(scale, d1));
    }
    const mg = sum / <f64>cols;
    const mp = projection / <f64>cols;
    const rs = <f64>load<f32>(rstd + ((<usize>r) << 2));
    for (let j = full; j < cols; j++) {
      const at = (<usize>j) << 2;
      let scaled = <f64>load<f32>(gr + at);
      if (weight) scaled *= <f64>load<f32>(weight + at);
      store<f32>(dr + at, <f32>(rs * (scaled - mg - <f64>load<f32>(hr + at) * mp)));
    }
  }
}
