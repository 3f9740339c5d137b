// Winograd's minimal filtering F(2×2, 3×3) for float32 convolutions with a 3×3 window, stride 1
// and dilation 1: each 2×2 tile of the output is Aᵀ·[(G·w·Gᵀ) ⊙ (Bᵀ·d·B)]·A, where d is the
// tile's 4×4 patch of input, so that summed over the input channels the sixteen products
// ξ = 4i + j of the transformed domain are sixteen matrix products of (output channels ×
// input channels) by (input channels × tiles): 16 multiply-adds per tile and channel pair
// where the window takes 36, 2.25 times fewer. The same products give the gradient in the
// weights: dW = Gᵀ·[Σ_tiles (A·dy·Aᵀ) ⊙ (Bᵀ·d·B)]·G.
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// A slice takes whole products (a sample, or a sample's group) in turn, and for each one pads its
// planes, transforms them (four tiles of a tile row per vector), computes the sixteen products
// with the packed matmul and transforms the results back, all in scratch of its own that stays
// in cache; so each product's result is computed the same way on any thread. The order of
// every sum is fixed by the code, never by the split.

import { storeTail } from "./gelu";
import { field, matmul } from "./matmul";

// Fields of the geometry block (int32s), as src/backend/wasm/winograd.ts writes them.
/** Input planes of one product. */
const G_PLANES = 0;
const G_H = 1;
const G_W = 2;
/** Zeros above and left of the input. */
const G_PH = 3;
const G_PW = 4;
const G_OH = 5;
const G_OW = 6;
const G_TILES_H = 7;
const G_TILES_W = 8;
/** Rows and row length of a padded plane: 2·TILES_H + 2 and 2·(TILES_W rounded up to 4) + 2. */
const G_HP = 9;
const G_WP = 10;
/** Output channels of one product (the rows of its sixteen products). */
const G_CHANNELS = 11;

function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/** Tap (i, j) of the 3×3 kernel at `g`, or tap (2 − i, 2 − j) when `flip`. */
function tap(g: usize, i: i32, j: i32, flip: i32): f32 {
  return flip
    ? load<f32>(g + ((<usize>(8 - i * 3 - j)) << 2))
    : load<f32>(g + ((<usize>(i * 3 + j)) << 2));
}

/**
 * Bytes from one of the sixteen transformed matrices of `floats` floats to the next: a whole
 * number of 4 KiB pages and one cache line more. At a multiple of 4 KiB, the sixteen streams a
 * transform writes or reads at once fall in one set of the L1 cache, which holds fewer lines
 * than that (the weight gradient's product took 25.4 ms instead of 18.5 on one thread).
 */
function xiStride(floats: i32): usize {
  return ((((<usize>floats) << 2) + 4095) & ~(<usize>4095)) + 64;
}

/** Stores the first `count` (1 to 4) lanes of v at `at`, a float apart. */
function storeLanes(at: usize, v: v128, count: i32): void {
  if (count >= 4) v128.store(at, v);
  else storeTail(at, v, count);
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript inlines only decorated members here
class Lane {
  /** The even floats of the 8 from `at` + `offset` floats: a patch column of four tiles (tiles 2 apart). */
  @inline
  static even(at: usize, offset: i32): v128 {
    const from = at + ((<usize>offset) << 2);
    return v128.shuffle<f32>(v128.load(from), v128.load(from, 16), 0, 2, 4, 6);
  }

  /** The odd floats of the 8 from `at` + `offset` floats: the next patch column of the four tiles. */
  @inline
  static odd(at: usize, offset: i32): v128 {
    const from = at + ((<usize>offset) << 2);
    return v128.shuffle<f32>(v128.load(from), v128.load(from, 16), 1, 3, 5, 7);
  }

  /** Lane l (0 to 3) of v: one lane extraction where l is a constant after inlining. */
  @inline
  static of(v: v128, l: i32): f32 {
    if (l === 0) return f32x4.extract_lane(v, 0);
    if (l === 1) return f32x4.extract_lane(v, 1);
    if (l === 2) return f32x4.extract_lane(v, 2);
    return f32x4.extract_lane(v, 3);
  }

  /** Row i of plane c + l's kernel (at k, plane c's row i): lane l of w0, w1 and w2. */
  @inline
  static storeKernelRow(k: usize, w0: v128, w1: v128, w2: v128, l: i32): void {
    const at = k + ((<usize>(l * 9)) << 2);
    store<f32>(at, Lane.of(w0, l));
    store<f32>(at, Lane.of(w1, l), 4);
    store<f32>(at, Lane.of(w2, l), 8);
  }
}

/**
 * u[ξ] (16 matrices, each [rows, cols] row-major) = G·w·Gᵀ of each 3×3 kernel of w, stored as
 * [outer, inner, 3, 3]. Unflipped, kernel (o, c) goes to row o, column c of each matrix (rows
 * = outer, the forward pass's output channels). Flipped, kernel (o, c) is turned by 180° and
 * goes to row c, column o (the transposed convolution's: input channels × output channels).
 */
export function winogradWeightsF32(w: usize, u: usize, outer: i32, inner: i32, flip: i32): void {
  const rows = flip ? inner : outer;
  const cols = flip ? outer : inner;
  const plane = (<usize>(rows * cols)) << 2;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const g = w + <usize>(o * inner + c) * 9 * 4;
      const to = u + ((<usize>(flip ? c * cols + o : o * cols + c)) << 2);
      // r = G·g (4×3), then each row of r times Gᵀ.
      for (let i = 0; i < 4; i++) {
        let r0: f32 = 0;
        let r1: f32 = 0;
        let r2: f32 = 0;
        if (i === 0 || i === 3) {
          const row = i === 0 ? 0 : 2;
          r0 = tap(g, row, 0, flip);
          r1 = tap(g, row, 1, flip);
          r2 = tap(g, row, 2, flip);
        } else {
          const sign: f32 = i === 1 ? 1 : -1;
          r0 = (tap(g, 0, 0, flip) + sign * tap(g, 1, 0, flip) + tap(g, 2, 0, flip)) * 0.5;
          r1 = (tap(g, 0, 1, flip) + sign * tap(g, 1, 1, flip) + tap(g, 2, 1, flip)) * 0.5;
          r2 = (tap(g, 0, 2, flip) + sign * tap(g, 1, 2, flip) + tap(g, 2, 2, flip)) * 0.5;
        }
        const xi = <usize>(i * 4);
        store<f32>(to + xi * plane, r0);
        store<f32>(to + (xi + 1) * plane, (r0 + r1 + r2) * 0.5);
        store<f32>(to + (xi + 2) * plane, (r0 - r1 + r2) * 0.5);
        store<f32>(to + (xi + 3) * plane, r2);
      }
    }
  }
}

/**
 * Copies `planes` planes of h×w at `x` into `padded` (planes of hp×wp), each shifted down by
 * ph and right by pw, zeros elsewhere; rows and columns past the padded plane are dropped.
 */
function pad(
  x: usize,
  padded: usize,
  planes: i32,
  h: i32,
  w: i32,
  ph: i32,
  pw: i32,
  hp: i32,
  wp: i32,
): void {
  const planeBytes = (<usize>(hp * wp)) << 2;
  memory.fill(padded, 0, <usize>planes * planeBytes);
  const rows = min(h, hp - ph);
  const width = min(w, wp - pw);
  if (rows <= 0 || width <= 0) return;
  for (let p = 0; p < planes; p++) {
    const src = x + ((<usize>(p * h * w)) << 2);
    const dst = padded + <usize>p * planeBytes + ((<usize>(ph * wp + pw)) << 2);
    for (let i = 0; i < rows; i++) {
      memory.copy(
        dst + ((<usize>(i * wp)) << 2),
        src + ((<usize>(i * w)) << 2),
        (<usize>width) << 2,
      );
    }
  }
}

/** pad() for `planes` input planes at `x`, by the geometry block's sizes and padding. */
function padInput(x: usize, padded: usize, planes: i32, geometry: usize): void {
  const h = field(geometry, G_H);
  const w = field(geometry, G_W);
  const ph = field(geometry, G_PH);
  const pw = field(geometry, G_PW);
  pad(x, padded, planes, h, w, ph, pw, field(geometry, G_HP), field(geometry, G_WP));
}

/**
 * v[ξ] ([planes, tiles] each) = Bᵀ·d·B for the 4×4 patch d of every tile of every padded
 * plane, four tiles of a tile row at a time: a patch row's columns 0 and 1 of four tiles are
 * the even and odd floats of 8 in a row, its columns 2 and 3 those of the 8 two further on.
 */
function transformInput(padded: usize, v: usize, planes: i32, geometry: usize): void {
  const tilesH = field(geometry, G_TILES_H);
  const tilesW = field(geometry, G_TILES_W);
  const hp = field(geometry, G_HP);
  const wp = field(geometry, G_WP);
  const tiles = tilesH * tilesW;
  const xiBytes = xiStride(planes * tiles);
  const rowBytes = (<usize>wp) << 2;
  for (let c = 0; c < planes; c++) {
    const plane = padded + ((<usize>(c * hp * wp)) << 2);
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx += 4) {
        const p0 = plane + <usize>(2 * ty) * rowBytes + ((<usize>(2 * tx)) << 2);
        const p1 = p0 + rowBytes;
        const p2 = p1 + rowBytes;
        const p3 = p2 + rowBytes;
        // Row i of the four patches: columns 0..3 as d_i0..d_i3.
        const d00 = Lane.even(p0, 0);
        const d01 = Lane.odd(p0, 0);
        const d02 = Lane.even(p0, 2);
        const d03 = Lane.odd(p0, 2);
        const d10 = Lane.even(p1, 0);
        const d11 = Lane.odd(p1, 0);
        const d12 = Lane.even(p1, 2);
        const d13 = Lane.odd(p1, 2);
        const d20 = Lane.even(p2, 0);
        const d21 = Lane.odd(p2, 0);
        const d22 = Lane.even(p2, 2);
        const d23 = Lane.odd(p2, 2);
        const d30 = Lane.even(p3, 0);
        const d31 = Lane.odd(p3, 0);
        const d32 = Lane.even(p3, 2);
        const d33 = Lane.odd(p3, 2);
        // t = Bᵀ·d: rows combined, column by column.
        const t00 = f32x4.sub(d00, d20);
        const t01 = f32x4.sub(d01, d21);
        const t02 = f32x4.sub(d02, d22);
        const t03 = f32x4.sub(d03, d23);
        const t10 = f32x4.add(d10, d20);
        const t11 = f32x4.add(d11, d21);
        const t12 = f32x4.add(d12, d22);
        const t13 = f32x4.add(d13, d23);
        const t20 = f32x4.sub(d20, d10);
        const t21 = f32x4.sub(d21, d11);
        const t22 = f32x4.sub(d22, d12);
        const t23 = f32x4.sub(d23, d13);
        const t30 = f32x4.sub(d10, d30);
        const t31 = f32x4.sub(d11, d31);
        const t32 = f32x4.sub(d12, d32);
        const t33 = f32x4.sub(d13, d33);
        // v = t·B: columns combined, row by row; ξ = 4i + j.
        const count = min(4, tilesW - tx);
        const at = v + ((<usize>(c * tiles + ty * tilesW + tx)) << 2);
        storeLanes(at, f32x4.sub(t00, t02), count);
        storeLanes(at + xiBytes, f32x4.add(t01, t02), count);
        storeLanes(at + 2 * xiBytes, f32x4.sub(t02, t01), count);
        storeLanes(at + 3 * xiBytes, f32x4.sub(t01, t03), count);
        storeLanes(at + 4 * xiBytes, f32x4.sub(t10, t12), count);
        storeLanes(at + 5 * xiBytes, f32x4.add(t11, t12), count);
        storeLanes(at + 6 * xiBytes, f32x4.sub(t12, t11), count);
        storeLanes(at + 7 * xiBytes, f32x4.sub(t11, t13), count);
        storeLanes(at + 8 * xiBytes, f32x4.sub(t20, t22), count);
        storeLanes(at + 9 * xiBytes, f32x4.add(t21, t22), count);
        storeLanes(at + 10 * xiBytes, f32x4.sub(t22, t21), count);
        storeLanes(at + 11 * xiBytes, f32x4.sub(t21, t23), count);
        storeLanes(at + 12 * xiBytes, f32x4.sub(t30, t32), count);
        storeLanes(at + 13 * xiBytes, f32x4.add(t31, t32), count);
        storeLanes(at + 14 * xiBytes, f32x4.sub(t32, t31), count);
        storeLanes(at + 15 * xiBytes, f32x4.sub(t31, t33), count);
      }
    }
  }
}

/** Stores `count` (1 to 4) tiles' 2×2 outputs, inside oh×ow, one lane's pair at a time. */
function storeTilesEdge(
  row: usize,
  rowBytes: usize,
  y00: v128,
  y01: v128,
  y10: v128,
  y11: v128,
  col: i32,
  count: i32,
  lower: bool,
  ow: i32,
): void {
  for (let l = 0; l < count; l++) {
    const x = col + 2 * l;
    const to = row + ((<usize>x) << 2);
    store<f32>(to, Lane.of(y00, l));
    if (x + 1 < ow) store<f32>(to, Lane.of(y01, l), 4);
    if (lower) {
      store<f32>(to + rowBytes, Lane.of(y10, l));
      if (x + 1 < ow) store<f32>(to + rowBytes, Lane.of(y11, l), 4);
    }
  }
}

/**
 * out ([channels, oh, ow]) = Aᵀ·m·A of every tile, plus bias[o] per channel o when `bias` is
 * not 0 (added to the result, rounded as a separate addition): m[ξ] are the sixteen products,
 * padded to rows of `ldc` floats and `rowsPadded` rows.
 */
function transformOutput(
  m: usize,
  out: usize,
  channels: i32,
  ldc: i32,
  rowsPadded: i32,
  geometry: usize,
  bias: usize,
): void {
  const tilesH = field(geometry, G_TILES_H);
  const tilesW = field(geometry, G_TILES_W);
  const oh = field(geometry, G_OH);
  const ow = field(geometry, G_OW);
  const xiBytes = xiStride(rowsPadded * ldc);
  const rowBytes = (<usize>ow) << 2;
  for (let o = 0; o < channels; o++) {
    const plane = out + ((<usize>(o * oh * ow)) << 2);
    const b = bias ? f32x4.splat(load<f32>(bias + ((<usize>o) << 2))) : f32x4.splat(0);
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx += 4) {
        const at = m + ((<usize>(o * ldc + ty * tilesW + tx)) << 2);
        const m00 = v128.load(at);
        const m01 = v128.load(at + xiBytes);
        const m02 = v128.load(at + 2 * xiBytes);
        const m03 = v128.load(at + 3 * xiBytes);
        const m10 = v128.load(at + 4 * xiBytes);
        const m11 = v128.load(at + 5 * xiBytes);
        const m12 = v128.load(at + 6 * xiBytes);
        const m13 = v128.load(at + 7 * xiBytes);
        const m20 = v128.load(at + 8 * xiBytes);
        const m21 = v128.load(at + 9 * xiBytes);
        const m22 = v128.load(at + 10 * xiBytes);
        const m23 = v128.load(at + 11 * xiBytes);
        const m30 = v128.load(at + 12 * xiBytes);
        const m31 = v128.load(at + 13 * xiBytes);
        const m32 = v128.load(at + 14 * xiBytes);
        const m33 = v128.load(at + 15 * xiBytes);
        // s = Aᵀ·m: rows combined, column by column.
        const s00 = f32x4.add(f32x4.add(m00, m10), m20);
        const s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22);
        const s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30);
        const s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32);
        const s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        // y = s·A, then the bias.
        let y00 = f32x4.add(f32x4.add(s00, s01), s02);
        let y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
        let y10 = f32x4.add(f32x4.add(s10, s11), s12);
        let y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
        if (bias) {
          y00 = f32x4.add(y00, b);
          y01 = f32x4.add(y01, b);
          y10 = f32x4.add(y10, b);
          y11 = f32x4.add(y11, b);
        }
        const count = min(4, tilesW - tx);
        const row = plane + <usize>(2 * ty) * rowBytes;
        const col = 2 * tx;
        const lower = 2 * ty + 1 < oh;
        if (count === 4 && col + 8 <= ow && lower) {
          v128.store(row + ((<usize>col) << 2), v128.shuffle<f32>(y00, y01, 0, 4, 1, 5));
          v128.store(row + ((<usize>col) << 2), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), 16);
          v128.store(row + rowBytes + ((<usize>col) << 2), v128.shuffle<f32>(y10, y11, 0, 4, 1, 5));
          v128.store(
            row + rowBytes + ((<usize>col) << 2),
            v128.shuffle<f32>(y10, y11, 2, 6, 3, 7),
            16,
          );
        } else {
          storeTilesEdge(row, rowBytes, y00, y01, y10, y11, col, count, lower, ow);
        }
      }
    }
  }
}

/**
 * z[ξ] ([channels, tiles] each) = A·dy·Aᵀ for the 2×2 tile dy of every tile of the padded
 * gradient planes (2·TILES_H rows of 2·(TILES_W rounded up to 4) floats, zeros past oh×ow).
 */
function transformGradient(padded: usize, z: usize, channels: i32, geometry: usize): void {
  const tilesH = field(geometry, G_TILES_H);
  const tilesW = field(geometry, G_TILES_W);
  const gh = 2 * tilesH;
  const gw = 2 * roundUp(tilesW, 4);
  const tiles = tilesH * tilesW;
  const xiBytes = xiStride(channels * tiles);
  const rowBytes = (<usize>gw) << 2;
  for (let o = 0; o < channels; o++) {
    const plane = padded + ((<usize>(o * gh * gw)) << 2);
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx += 4) {
        const p0 = plane + <usize>(2 * ty) * rowBytes + ((<usize>(2 * tx)) << 2);
        let a = v128.load(p0);
        let b = v128.load(p0, 16);
        const g00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
        const g01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
        a = v128.load(p0 + rowBytes);
        b = v128.load(p0 + rowBytes, 16);
        const g10 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
        const g11 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
        // r = A·dy (4×2): rows g0, g0 + g1, g0 − g1, −g1.
        const r10 = f32x4.add(g00, g10);
        const r11 = f32x4.add(g01, g11);
        const r20 = f32x4.sub(g00, g10);
        const r21 = f32x4.sub(g01, g11);
        const r30 = f32x4.neg(g10);
        const r31 = f32x4.neg(g11);
        const count = min(4, tilesW - tx);
        const at = z + ((<usize>(o * tiles + ty * tilesW + tx)) << 2);
        // z = r·Aᵀ: columns r0, r0 + r1, r0 − r1, −r1 of each row.
        storeLanes(at, g00, count);
        storeLanes(at + xiBytes, f32x4.add(g00, g01), count);
        storeLanes(at + 2 * xiBytes, f32x4.sub(g00, g01), count);
        storeLanes(at + 3 * xiBytes, f32x4.neg(g01), count);
        storeLanes(at + 4 * xiBytes, r10, count);
        storeLanes(at + 5 * xiBytes, f32x4.add(r10, r11), count);
        storeLanes(at + 6 * xiBytes, f32x4.sub(r10, r11), count);
        storeLanes(at + 7 * xiBytes, f32x4.neg(r11), count);
        storeLanes(at + 8 * xiBytes, r20, count);
        storeLanes(at + 9 * xiBytes, f32x4.add(r20, r21), count);
        storeLanes(at + 10 * xiBytes, f32x4.sub(r20, r21), count);
        storeLanes(at + 11 * xiBytes, f32x4.neg(r21), count);
        storeLanes(at + 12 * xiBytes, r30, count);
        storeLanes(at + 13 * xiBytes, f32x4.add(r30, r31), count);
        storeLanes(at + 14 * xiBytes, f32x4.sub(r30, r31), count);
        storeLanes(at + 15 * xiBytes, f32x4.neg(r31), count);
      }
    }
  }
}

/**
 * dw ([channels, planes, 3, 3]) = Gᵀ·du·G of each (o, c) of the sixteen products du[ξ]
 * ([channels, planes], padded to rows of `ldc` floats and `rowsPadded` rows), four input
 * planes at a time.
 */
function transformWeightGradient(
  du: usize,
  dw: usize,
  channels: i32,
  planes: i32,
  ldc: i32,
  rowsPadded: i32,
): void {
  const xiBytes = xiStride(rowsPadded * ldc);
  const half = f32x4.splat(0.5);
  for (let o = 0; o < channels; o++) {
    for (let c = 0; c < planes; c += 4) {
      const at = du + ((<usize>(o * ldc + c)) << 2);
      const count = min(4, planes - c);
      const to = dw + ((<usize>((o * planes + c) * 9)) << 2);
      // Row i of w = Gᵀ·du·G: row i of q = Gᵀ·du (q0 = d0 + ½(d1 + d2), q1 = ½(d1 − d2),
      // q2 = ½(d1 + d2) + d3, over du's rows), then the same combination of q's columns.
      for (let i = 0; i < 3; i++) {
        const q0 = rowOfQ(at, xiBytes, i, 0, half);
        const q1 = rowOfQ(at, xiBytes, i, 1, half);
        const q2 = rowOfQ(at, xiBytes, i, 2, half);
        const q3 = rowOfQ(at, xiBytes, i, 3, half);
        const sum = f32x4.mul(f32x4.add(q1, q2), half);
        const w0 = f32x4.add(q0, sum);
        const w1 = f32x4.mul(f32x4.sub(q1, q2), half);
        const w2 = f32x4.add(sum, q3);
        // Plane c + l's kernel starts 9 floats after plane c + l − 1's.
        const k = to + ((<usize>(i * 3)) << 2);
        if (count === 4) {
          Lane.storeKernelRow(k, w0, w1, w2, 0);
          Lane.storeKernelRow(k, w0, w1, w2, 1);
          Lane.storeKernelRow(k, w0, w1, w2, 2);
          Lane.storeKernelRow(k, w0, w1, w2, 3);
        } else {
          for (let l = 0; l < count; l++) Lane.storeKernelRow(k, w0, w1, w2, l);
        }
      }
    }
  }
}

/** Element (i, j) of q = Gᵀ·du for four planes: du's column j combined over its rows. */
function rowOfQ(at: usize, xiBytes: usize, i: i32, j: i32, half: v128): v128 {
  const d0 = v128.load(at + <usize>j * xiBytes);
  const d1 = v128.load(at + <usize>(4 + j) * xiBytes);
  const d2 = v128.load(at + <usize>(8 + j) * xiBytes);
  const d3 = v128.load(at + <usize>(12 + j) * xiBytes);
  if (i === 0) return f32x4.add(d0, f32x4.mul(f32x4.add(d1, d2), half));
  if (i === 1) return f32x4.mul(f32x4.sub(d1, d2), half);
  return f32x4.add(f32x4.mul(f32x4.add(d1, d2), half), d3);
}

/**
 * Bytes of a slice's scratch for the padded input planes and their transform (see
 * winogradConvF32). Mirrored in src/backend/wasm/winograd.ts.
 */
function inputScratch(planes: i32, geometry: usize): usize {
  const tiles = field(geometry, G_TILES_H) * field(geometry, G_TILES_W);
  const padded = planes * field(geometry, G_HP) * field(geometry, G_WP);
  return ((<usize>padded) << 2) + 16 * xiStride(planes * tiles);
}

/**
 * The convolutions of products p0..p1 by 3×3 kernels, stride 1: product p's `planes` input
 * planes start at byte offset offsets[2p + 1] of `x`, and its `channels` output planes
 * (oh×ow) are written at out + p·channels·oh·ow floats, plus bias[o] per channel o when
 * `bias` is not 0. `u` holds the sixteen transformed kernels ([channels, planes] each, see
 * winogradWeightsF32). Scratch: the padded planes, their transform v (16 × planes × tiles),
 * then the sixteen products (16 × channels rounded up to MR × tiles rounded up to NR), each
 * transformed matrix or product `xiStride` bytes from the last, at
 * `scratch`; `packedA` and `packedB` are the matmul's.
 */
export function winogradConvF32(
  u: usize,
  x: usize,
  out: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  geometry: usize,
  scratch: usize,
  packedA: usize,
  packedB: usize,
  bias: usize,
): void {
  const planes = field(geometry, G_PLANES);
  const channels = field(geometry, G_CHANNELS);
  const tiles = field(geometry, G_TILES_H) * field(geometry, G_TILES_W);
  const outSize = field(geometry, G_OH) * field(geometry, G_OW);
  const padded = scratch;
  const v = scratch + ((<usize>(planes * field(geometry, G_HP) * field(geometry, G_WP))) << 2);
  const m = scratch + inputScratch(planes, geometry);
  const ldc = roundUp(tiles, 8);
  const rows = roundUp(channels, 4);
  const uBytes = (<usize>(channels * planes)) << 2;
  const vBytes = xiStride(planes * tiles);
  const mBytes = xiStride(rows * ldc);
  for (let p = p0; p < p1; p++) {
    const xo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    padInput(x + xo, padded, planes, geometry);
    transformInput(padded, v, planes, geometry);
    for (let xi = 0; xi < 16; xi++) {
      const a = u + <usize>xi * uBytes;
      const b = v + <usize>xi * vBytes;
      const c = m + <usize>xi * mBytes;
      matmul<f32>(
        a,
        b,
        c,
        channels,
        planes,
        tiles,
        false,
        false,
        0,
        channels,
        0,
        tiles,
        packedA,
        packedB,
      );
    }
    const o = out + ((<usize>(p * channels * outSize)) << 2);
    transformOutput(m, o, channels, ldc, rows, geometry, bias);
  }
}

/**
 * The weight gradients of products p0..p1 of a 3×3, stride-1 convolution: product p's
 * output gradient ([channels, oh, ow]) starts at byte offset offsets[2p] of `g` and its
 * `planes` input planes at offsets[2p + 1] of `x`; its gradient [channels, planes, 3, 3] is
 * written at out + p·channels·planes·9 floats. Scratch at `scratch`: the padded input planes
 * and their transform v (as winogradConvF32's), then the padded gradient planes (2·TILES_H ×
 * 2·TILES_W rounded up to 8), their transform z (16 × channels × tiles) and the sixteen
 * products (16 × channels rounded up to MR × planes rounded up to NR).
 */
export function winogradWeightF32(
  g: usize,
  x: usize,
  out: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  geometry: usize,
  scratch: usize,
  packedA: usize,
  packedB: usize,
): void {
  const planes = field(geometry, G_PLANES);
  const channels = field(geometry, G_CHANNELS);
  const tilesH = field(geometry, G_TILES_H);
  const tilesW = field(geometry, G_TILES_W);
  const tiles = tilesH * tilesW;
  const oh = field(geometry, G_OH);
  const ow = field(geometry, G_OW);
  const gh = 2 * tilesH;
  const gw = 2 * roundUp(tilesW, 4);
  const padded = scratch;
  const v = scratch + ((<usize>(planes * field(geometry, G_HP) * field(geometry, G_WP))) << 2);
  const gPadded = scratch + inputScratch(planes, geometry);
  const z = gPadded + ((<usize>(channels * gh * gw)) << 2);
  const du = z + 16 * xiStride(channels * tiles);
  const ldc = roundUp(planes, 8);
  const rows = roundUp(channels, 4);
  const zBytes = xiStride(channels * tiles);
  const vBytes = xiStride(planes * tiles);
  const duBytes = xiStride(rows * ldc);
  for (let p = p0; p < p1; p++) {
    const go = <usize>load<u32>(offsets + ((<usize>p) << 3));
    const xo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    padInput(x + xo, padded, planes, geometry);
    transformInput(padded, v, planes, geometry);
    pad(g + go, gPadded, channels, oh, ow, 0, 0, gh, gw);
    transformGradient(gPadded, z, channels, geometry);
    for (let xi = 0; xi < 16; xi++) {
      const a = z + <usize>xi * zBytes;
      const b = v + <usize>xi * vBytes;
      const c = du + <usize>xi * duBytes;
      matmul<f32>(
        a,
        b,
        c,
        channels,
        tiles,
        planes,
        false,
        true,
        0,
        channels,
        0,
        planes,
        packedA,
        packedB,
      );
    }
    const o = out + ((<usize>(p * channels * planes * 9)) << 2);
    transformWeightGradient(du, o, channels, planes, ldc, rows);
  }
}
