// Scaled dot-product attention in float32, product by product: each step of the composition
// that defines it (src/backend/composed-attention.ts) through the same routines the separate
// kernels run (the packed matmul, the row softmax and its vector-Jacobian product), so the
// bits are the composition's, while the scores and their gradients stay in this slice's
// scratch, in cache, instead of travelling to JavaScript and back between kernels.

import { DEPTH_BEFORE, DEPTH_FROM, FULL, LOWER_TILES, matmul, NR } from "./matmul";
import { softmaxBackwardRow, softmaxRow } from "./softmax";

/** Bytes per row of a padded float32 product of `n` columns (NR float32s per tile). */
function paddedRowBytes(n: i32): usize {
  return (<usize>((n + NR - 1) & ~(NR - 1))) << 2;
}

// An operand's layout: `heads` 0 for [batch, rows, cols] (products one after another), or the
// number of heads H for [batch / H, rows, H, cols] (each row's heads side by side, the
// sequence before the heads), where product p is head p mod H of batch entry p / H. With
// `packed`, q, k and v (and dq, dk and dv) are the three parts of one [batch / H, rows, 3, H,
// cols] array: their rows are 3·H·cols apart, and k and v start H·cols and 2·H·cols in.

/** The elements from one of an operand's rows to the next (`parts` 3 for a packed one). */
function rowStride(cols: i32, heads: i32, parts: i32 = 1): i32 {
  return heads ? parts * heads * cols : cols;
}

/**
 * Where product p's first row of `cols` float32s starts, of `rows` rows per product, rows
 * `stride` elements apart (with `heads`).
 */
function productAt(base: usize, p: i32, rows: i32, cols: i32, heads: i32, stride: i32): usize {
  if (!heads) return base + <usize>p * <usize>rows * <usize>cols * 4;
  const first = <usize>(p / heads) * <usize>rows * <usize>stride + <usize>(p % heads) * cols;
  return base + first * 4;
}

/**
 * Copies `rows` rows of `cols` float32s from a padded product to rows `stride` elements
 * apart, times `scale` (a plain copy for 1, which multiplies every value, NaN included, to
 * itself).
 */
function copyRows(from: usize, to: usize, rows: i32, cols: i32, stride: i32, scale: f32): void {
  const fromBytes = paddedRowBytes(cols);
  const toBytes = (<usize>stride) << 2;
  const bytes = (<usize>cols) << 2;
  for (let i = 0; i < rows; i++) {
    const src = from + <usize>i * fromBytes;
    const dst = to + <usize>i * toBytes;
    if (scale === 1) memory.copy(dst, src, bytes);
    else scaleRow(src, dst, cols, scale);
  }
}

/** dst = src·scale for `cols` float32s, each product rounded once, as the matmul's scale. */
function scaleRow(src: usize, dst: usize, cols: i32, scale: f32): void {
  const s4 = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const at = (<usize>j) << 2;
    v128.store(dst + at, f32x4.mul(v128.load(src + at), s4));
  }
  for (; j < cols; j++) {
    const at = (<usize>j) << 2;
    store<f32>(dst + at, load<f32>(src + at) * scale);
  }
}

/** row = row·scale + mask for `cols` float32s: the scaled scores plus the additive mask. */
function scaleAndMask(row: usize, mask: usize, cols: i32, scale: f32): void {
  const s4 = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const at = (<usize>j) << 2;
    v128.store(row + at, f32x4.add(f32x4.mul(v128.load(row + at), s4), v128.load(mask + at)));
  }
  for (; j < cols; j++) {
    const at = (<usize>j) << 2;
    store<f32>(row + at, load<f32>(row + at) * scale + load<f32>(mask + at));
  }
}

/**
 * The columns of row i of a causal [L, S] product the row kernels read: the keys j ≤ i,
 * rounded up to whole vectors of four (the lanes past i hold −∞ scores and zero weights, as
 * they do in the full row); the whole row where that reaches the row's last partial vector.
 */
function causalColumns(i: i32, s: i32): i32 {
  const upTo = (i + 4) & ~3;
  return upTo <= (s & ~3) ? upTo : s;
}

/**
 * The largest |x| over `rows` rows of `cols` float32s at `at`, `stride` elements apart; NaN
 * if any is NaN (and +∞ for an ∞).
 */
function maxAbs(at: usize, rows: i32, cols: i32, stride: i32): f32 {
  let m4 = f32x4.splat(0);
  let m: f32 = 0;
  for (let i = 0; i < rows; i++) {
    const row = at + ((<usize>i * <usize>stride) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      m4 = f32x4.max(m4, f32x4.abs(v128.load(row + ((<usize>j) << 2))));
    }
    for (; j < cols; j++) m = max(m, abs<f32>(load<f32>(row + ((<usize>j) << 2))));
  }
  return max(
    max(max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)), m),
    max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)),
  );
}

/**
 * Whether a causal product may skip what its mask excludes: its operands (`aRows` and `bRows`
 * rows of `depth` float32s, `aStride` and `bStride` elements apart) are finite and no sum of their products
 * can overflow (the full product would then write NaN, ∞ − ∞, into the excluded scores, which
 * spreads to the row).
 */
function boundedProduct(
  a: usize,
  aRows: i32,
  b: usize,
  bRows: i32,
  depth: i32,
  aStride: i32,
  bStride: i32,
  scale: f32,
): bool {
  const bound =
    <f64>maxAbs(a, aRows, depth, aStride) *
    <f64>maxAbs(b, bRows, depth, bStride) *
    <f64>max(depth, 1) *
    max(<f64>abs(scale), 1);
  // False for NaN, as for anything at or past 2^120.
  return bound < 1.329228e36;
}

/**
 * Attention for products [p0, p1): weights = softmax(scale·q·kᵀ + mask), zeros in a row
 * whose maximum is −∞, and out = weights·v. q, k, v and out are [batch, L, E], [batch, S, E],
 * [batch, S, Ev] and [batch, L, Ev] in the layout `heads` and `packed` give (see
 * `rowStride`; `packed` 1 for q, k and v the parts of one array), the weights contiguous
 * [batch, L, S]; product p's
 * mask block (when `mask` is not 0) starts `maskOffsets[p]` bytes into mask. Scratch:
 * `scores` holds a padded L×S product, `product` a padded L×Ev one, `packedA` and `packedB`
 * the matmul's packing. `causal` (1) says the mask is the causal one (−∞ exactly where key j
 * > query i): a product whose operands allow it then skips the scores and the terms the
 * mask excludes, with the same bits (see `matmul`'s band).
 */
export function attentionF32(
  q: usize,
  k: usize,
  v: usize,
  mask: usize,
  maskOffsets: usize,
  out: usize,
  weights: usize,
  p0: i32,
  p1: i32,
  l: i32,
  s: i32,
  e: i32,
  ev: i32,
  scale: f32,
  causal: i32,
  heads: i32,
  packed: i32,
  scores: usize,
  product: usize,
  packedA: usize,
  packedB: usize,
): void {
  const scoreRow = paddedRowBytes(s);
  const sBytes = (<usize>s) << 2;
  const parts = packed ? 3 : 1;
  const ldq = rowStride(e, heads, parts);
  const ldv = rowStride(ev, heads, parts);
  const ldo = rowStride(ev, heads);
  for (let p = p0; p < p1; p++) {
    const qp = productAt(q, p, l, e, heads, ldq);
    const kp = productAt(k, p, s, e, heads, ldq);
    const vp = productAt(v, p, s, ev, heads, ldv);
    const wp = productAt(weights, p, l, s, 0, 0);
    const skip =
      causal !== 0 &&
      boundedProduct(qp, l, kp, s, e, ldq, ldq, scale) &&
      maxAbs(vp, s, ev, ldv) < Infinity;
    const band = skip ? LOWER_TILES : FULL;
    matmul<f32>(qp, kp, scores, l, e, s, false, true, 0, l, 0, s, packedA, packedB, band, ldq, ldq);
    const mp = mask ? mask + <usize>load<u32>(maskOffsets + ((<usize>p) << 2)) : 0;
    for (let i = 0; i < l; i++) {
      const row = scores + <usize>i * scoreRow;
      const wr = wp + <usize>i * sBytes;
      const cols = skip ? causalColumns(i, s) : s;
      if (mp) scaleAndMask(row, mp + <usize>i * sBytes, cols, scale);
      else scaleRow(row, row, cols, scale);
      softmaxRow(row, wr, cols, 0, true);
      // The full row writes +0 there: e^−∞ is +0.
      if (cols < s) memory.fill(wr + ((<usize>cols) << 2), 0, (<usize>(s - cols)) << 2);
    }
    const depthBand = skip ? DEPTH_BEFORE : FULL;
    matmul<f32>(
      wp,
      vp,
      product,
      l,
      s,
      ev,
      false,
      false,
      0,
      l,
      0,
      ev,
      packedA,
      packedB,
      depthBand,
      0,
      ldv,
    );
    copyRows(product, productAt(out, p, l, ev, heads, ldo), l, ev, ldo, 1);
  }
}

/**
 * The gradients of attentionF32 for products [p0, p1) from its weights and the output's
 * gradient g ([batch, L, Ev]): dv = weightsᵀ·g, dS = softmax's VJP of g·vᵀ, dq = scale·dS·k,
 * dk = scale·dSᵀ·q; a gradient whose pointer is 0 is skipped. Scratch: `scores` a padded
 * L×S product, `dScores` L×S contiguous, `product` a padded product of up to max(L, S) rows
 * and max(E, Ev) columns, `packedA` and `packedB` the matmul's packing. `causal`, `heads` and
 * `packed` (the layout of q, k, v, g, dq, dk and dv; g's like out's) as for attentionF32.
 */
export function attentionBackwardF32(
  q: usize,
  k: usize,
  v: usize,
  weights: usize,
  g: usize,
  dq: usize,
  dk: usize,
  dv: usize,
  p0: i32,
  p1: i32,
  l: i32,
  s: i32,
  e: i32,
  ev: i32,
  scale: f32,
  causal: i32,
  heads: i32,
  packed: i32,
  scores: usize,
  dScores: usize,
  product: usize,
  packedA: usize,
  packedB: usize,
): void {
  const scoreRow = paddedRowBytes(s);
  const sBytes = (<usize>s) << 2;
  const parts = packed ? 3 : 1;
  const ldq = rowStride(e, heads, parts);
  const ldv = rowStride(ev, heads, parts);
  const ldg = rowStride(ev, heads);
  for (let p = p0; p < p1; p++) {
    const qp = productAt(q, p, l, e, heads, ldq);
    const kp = productAt(k, p, s, e, heads, ldq);
    const vp = productAt(v, p, s, ev, heads, ldv);
    const wp = productAt(weights, p, l, s, 0, 0);
    const gp = productAt(g, p, l, ev, heads, ldg);
    // The weights are zero above the diagonal when the forward's scores could not overflow;
    // what multiplies them there must be finite, and dP = g·vᵀ, which the full dS multiplies
    // by those zeros, must not overflow.
    const skip =
      causal !== 0 &&
      boundedProduct(qp, l, kp, s, e, ldq, ldq, scale) &&
      boundedProduct(gp, l, vp, s, ev, ldg, ldv, 1);
    if (dv) {
      // dv's row j sums over queries i ≥ j only.
      const band = skip ? DEPTH_FROM : FULL;
      matmul<f32>(
        wp,
        gp,
        product,
        s,
        l,
        ev,
        true,
        false,
        0,
        s,
        0,
        ev,
        packedA,
        packedB,
        band,
        0,
        ldg,
      );
      copyRows(product, productAt(dv, p, s, ev, heads, ldv), s, ev, ldv, 1);
    }
    if (!dq && !dk) continue;
    // dP = g·vᵀ, then dS row by row.
    const lower = skip ? LOWER_TILES : FULL;
    matmul<f32>(
      gp,
      vp,
      scores,
      l,
      ev,
      s,
      false,
      true,
      0,
      l,
      0,
      s,
      packedA,
      packedB,
      lower,
      ldg,
      ldv,
    );
    for (let i = 0; i < l; i++) {
      const at = <usize>i * sBytes;
      const cols = skip ? causalColumns(i, s) : s;
      softmaxBackwardRow(wp + at, scores + <usize>i * scoreRow, dScores + at, cols, 0);
      // The full row's dS there is a zero weight times a finite value: ±0, which adds nothing.
      if (cols < s) memory.fill(dScores + at + ((<usize>cols) << 2), 0, (<usize>(s - cols)) << 2);
    }
    if (dq) {
      const band = skip ? DEPTH_BEFORE : FULL;
      matmul<f32>(
        dScores,
        kp,
        product,
        l,
        s,
        e,
        false,
        false,
        0,
        l,
        0,
        e,
        packedA,
        packedB,
        band,
        0,
        ldq,
      );
      copyRows(product, productAt(dq, p, l, e, heads, ldq), l, e, ldq, scale);
    }
    if (dk) {
      const band = skip ? DEPTH_FROM : FULL;
      matmul<f32>(
        dScores,
        qp,
        product,
        s,
        l,
        e,
        true,
        false,
        0,
        s,
        0,
        e,
        packedA,
        packedB,
        band,
        0,
        ldq,
      );
      copyRows(product, productAt(dk, p, s, e, heads, ldq), s, e, ldq, scale);
    }
  }
}
