// Scaled dot-product attention in float32, product by product: each step of the composition
// that defines it (src/backend/composed-attention.ts) through the same routines the separate
// kernels run (the packed matmul, the row softmax and its vector-Jacobian product), so the
// bits are the composition's, while the scores and their gradients stay in this slice's
// scratch, in cache, instead of travelling to JavaScript and back between kernels.

import { matmul, NR } from "./matmul";
import { softmaxBackwardRow, softmaxRow } from "./softmax";

/** Bytes per row of a padded float32 product of `n` columns (NR float32s per tile). */
function paddedRowBytes(n: i32): usize {
  return (<usize>((n + NR - 1) & ~(NR - 1))) << 2;
}

/** Where product p of contiguous [rows, cols] float32 matrices starts. */
function productAt(base: usize, p: i32, rows: i32, cols: i32): usize {
  return base + <usize>p * <usize>rows * <usize>cols * 4;
}

/**
 * Copies `rows` rows of `cols` float32s from a padded product to contiguous rows, times
 * `scale` (a plain copy for 1, which multiplies every value, NaN included, to itself).
 */
function copyRows(from: usize, to: usize, rows: i32, cols: i32, scale: f32): void {
  const fromBytes = paddedRowBytes(cols);
  const toBytes = (<usize>cols) << 2;
  for (let i = 0; i < rows; i++) {
    const src = from + <usize>i * fromBytes;
    const dst = to + <usize>i * toBytes;
    if (scale === 1) memory.copy(dst, src, toBytes);
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
 * Attention for products [p0, p1): weights = softmax(scale·q·kᵀ + mask), zeros in a row
 * whose maximum is −∞, and out = weights·v. q, k, v, out and weights are contiguous
 * [batch, L, E], [batch, S, E], [batch, S, Ev], [batch, L, Ev] and [batch, L, S]; product p's
 * mask block (when `mask` is not 0) starts `maskOffsets[p]` bytes into mask. Scratch:
 * `scores` holds a padded L×S product, `product` a padded L×Ev one, `packedA` and `packedB`
 * the matmul's packing.
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
  scores: usize,
  product: usize,
  packedA: usize,
  packedB: usize,
): void {
  const scoreRow = paddedRowBytes(s);
  const sBytes = (<usize>s) << 2;
  for (let p = p0; p < p1; p++) {
    const qp = productAt(q, p, l, e);
    const kp = productAt(k, p, s, e);
    const vp = productAt(v, p, s, ev);
    const wp = productAt(weights, p, l, s);
    matmul<f32>(qp, kp, scores, l, e, s, false, true, 0, l, 0, s, packedA, packedB);
    const mp = mask ? mask + <usize>load<u32>(maskOffsets + ((<usize>p) << 2)) : 0;
    for (let i = 0; i < l; i++) {
      const row = scores + <usize>i * scoreRow;
      if (mp) scaleAndMask(row, mp + <usize>i * sBytes, s, scale);
      else scaleRow(row, row, s, scale);
      softmaxRow(row, wp + <usize>i * sBytes, s, 0, true);
    }
    matmul<f32>(wp, vp, product, l, s, ev, false, false, 0, l, 0, ev, packedA, packedB);
    copyRows(product, productAt(out, p, l, ev), l, ev, 1);
  }
}

/**
 * The gradients of attentionF32 for products [p0, p1) from its weights and the output's
 * gradient g ([batch, L, Ev]): dv = weightsᵀ·g, dS = softmax's VJP of g·vᵀ, dq = scale·dS·k,
 * dk = scale·dSᵀ·q; a gradient whose pointer is 0 is skipped. Scratch: `scores` a padded
 * L×S product, `dScores` L×S contiguous, `product` a padded product of up to max(L, S) rows
 * and max(E, Ev) columns, `packedA` and `packedB` the matmul's packing.
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
  scores: usize,
  dScores: usize,
  product: usize,
  packedA: usize,
  packedB: usize,
): void {
  const scoreRow = paddedRowBytes(s);
  const sBytes = (<usize>s) << 2;
  for (let p = p0; p < p1; p++) {
    const qp = productAt(q, p, l, e);
    const kp = productAt(k, p, s, e);
    const vp = productAt(v, p, s, ev);
    const wp = productAt(weights, p, l, s);
    const gp = productAt(g, p, l, ev);
    if (dv) {
      matmul<f32>(wp, gp, product, s, l, ev, true, false, 0, s, 0, ev, packedA, packedB);
      copyRows(product, productAt(dv, p, s, ev), s, ev, 1);
    }
    if (!dq && !dk) continue;
    // dP = g·vᵀ, then dS row by row.
    matmul<f32>(gp, vp, scores, l, ev, s, false, true, 0, l, 0, s, packedA, packedB);
    for (let i = 0; i < l; i++) {
      const at = <usize>i * sBytes;
      softmaxBackwardRow(wp + at, scores + <usize>i * scoreRow, dScores + at, s, 0);
    }
    if (dq) {
      matmul<f32>(dScores, kp, product, l, s, e, false, false, 0, l, 0, e, packedA, packedB);
      copyRows(product, productAt(dq, p, l, e), l, e, scale);
    }
    if (dk) {
      matmul<f32>(dScores, qp, product, s, l, e, true, false, 0, s, 0, e, packedA, packedB);
      copyRows(product, productAt(dk, p, s, e), s, e, scale);
    }
  }
}
