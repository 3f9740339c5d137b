// Matrix product C = op(A)·op(B) in float32 or float64, cache-blocked and register-blocked
// (the GotoBLAS scheme): a slice of op(B) at most KC deep is packed into panels NR columns
// wide, a block of op(A) into panels MR rows tall, and a micro-kernel keeps an MR×NR tile of
// C in registers while it walks the shared depth. Packing reads A or B in whichever layout
// they are stored, so transposed operands cost the same as plain ones and are never copied
// transposed.
//
// Each function is generic over the element type T (f32 or f64); a panel row is always two
// 16-byte vectors, so NR is 8 float32s or 4 float64s. The small helpers are inlined by the
// optimizer, and their tests of sizeof<T>() fold away. All pointers are byte addresses in the
// one linear memory; JavaScript lays out operands and scratch space and splits C among
// threads by rows or columns.

import { col2imF32, im2colF32 } from "./window";

/** Rows of C a micro-kernel computes at once. */
export const MR: i32 = 4;
/** Bytes of one panel row of B and of one tile row of C: two vectors. */
const ROW_BYTES: i32 = 32;
/** Columns of C a float32 micro-kernel computes at once. */
export const NR: i32 = 8;
/** Depth of one packed slice: a KC×NR panel of B (8 KiB) stays in L1. */
export const KC: i32 = 256;
/** Rows of A packed at once: an MC×KC block (64 KiB in float32) stays in L2. */
export const MC: i32 = 64;
/** Columns of B packed at once: a KC×NC slice (2 MiB in float32). */
export const NC: i32 = 2048;

/** Columns per panel for T: 8 float32s or 4 float64s. */
function nr<T>(): i32 {
  return ROW_BYTES / sizeof<T>();
}

// A vector of T with every lane set to row 0, 1, 2 or 3 of a step of A's packed panel. The
// row is the load's constant offset rather than an address computed in the loop: a third
// fewer integer instructions, which made the fused multiply-add (relaxed) kernel 2–4 %
// faster; the plain one is bound by its multiplies and adds either way.
function splatRow0<T>(ap: usize): v128 {
  return sizeof<T>() === 4 ? v128.load32_splat(ap) : v128.load64_splat(ap);
}
function splatRow1<T>(ap: usize): v128 {
  return sizeof<T>() === 4 ? v128.load32_splat(ap, 4) : v128.load64_splat(ap, 8);
}
function splatRow2<T>(ap: usize): v128 {
  return sizeof<T>() === 4 ? v128.load32_splat(ap, 8) : v128.load64_splat(ap, 16);
}
function splatRow3<T>(ap: usize): v128 {
  return sizeof<T>() === 4 ? v128.load32_splat(ap, 12) : v128.load64_splat(ap, 24);
}

/**
 * acc + a·b, lane-wise: rounded twice (multiply, then add), or, in the build with relaxed
 * SIMD, by relaxed_madd, which the engine may fuse into one rounding (x86 FMA3, ARM NEON).
 */
function mulAdd<T>(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return sizeof<T>() === 4 ? f32x4.relaxed_madd(a, b, acc) : f64x2.relaxed_madd(a, b, acc);
  }
  return sizeof<T>() === 4 ? f32x4.add(acc, f32x4.mul(a, b)) : f64x2.add(acc, f64x2.mul(a, b));
}

/** a + b, lane-wise. */
function add<T>(a: v128, b: v128): v128 {
  return sizeof<T>() === 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}

/**
 * C[i0:i0+4, j0:j0+NR] (+)= Ap·Bp over kc steps, where Ap holds 4 values of A per step and
 * Bp NR values of B per step. `ldc` is C's row stride in bytes. The first slice of the depth
 * stores; later slices add to what is there, so every element of C sums its products in
 * the same order however C is split among threads.
 */
function microKernel<T>(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, first: bool): void {
  const size = <usize>sizeof<T>();
  let c00 = v128.splat<i32>(0);
  let c01 = v128.splat<i32>(0);
  let c10 = v128.splat<i32>(0);
  let c11 = v128.splat<i32>(0);
  let c20 = v128.splat<i32>(0);
  let c21 = v128.splat<i32>(0);
  let c30 = v128.splat<i32>(0);
  let c31 = v128.splat<i32>(0);
  // Eight accumulators, two B vectors, one broadcast A value and one product fit the 16
  // vector registers; larger tiles spill and were measured slower.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = splatRow0<T>(ap);
    c00 = mulAdd<T>(c00, a, b0);
    c01 = mulAdd<T>(c01, a, b1);
    a = splatRow1<T>(ap);
    c10 = mulAdd<T>(c10, a, b0);
    c11 = mulAdd<T>(c11, a, b1);
    a = splatRow2<T>(ap);
    c20 = mulAdd<T>(c20, a, b0);
    c21 = mulAdd<T>(c21, a, b1);
    a = splatRow3<T>(ap);
    c30 = mulAdd<T>(c30, a, b0);
    c31 = mulAdd<T>(c31, a, b1);
    ap += 4 * size;
    bp += ROW_BYTES;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  if (!first) {
    c00 = add<T>(v128.load(c), c00);
    c01 = add<T>(v128.load(c, 16), c01);
    c10 = add<T>(v128.load(c1), c10);
    c11 = add<T>(v128.load(c1, 16), c11);
    c20 = add<T>(v128.load(c2), c20);
    c21 = add<T>(v128.load(c2, 16), c21);
    c30 = add<T>(v128.load(c3), c30);
    c31 = add<T>(v128.load(c3, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

/**
 * The 16-byte rows at r0 and r1 (r2 and r3 for float32), transposed: vector q holds value q
 * of each row and is stored at dst + q·stride. A 4×4 block of float32s or a 2×2 block of
 * float64s, so packing an operand that is stored across the panel moves vectors, not values.
 */
function transposeBlock<T>(
  r0: usize,
  r1: usize,
  r2: usize,
  r3: usize,
  dst: usize,
  stride: usize,
): void {
  if (sizeof<T>() === 8) {
    const a = v128.load(r0);
    const b = v128.load(r1);
    v128.store(dst, v128.shuffle<f64>(a, b, 0, 2));
    v128.store(dst + stride, v128.shuffle<f64>(a, b, 1, 3));
    return;
  }
  const a = v128.load(r0);
  const b = v128.load(r1);
  const c = v128.load(r2);
  const d = v128.load(r3);
  const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
  const ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
  const cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7));
}

/**
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of NR columns: panel j holds, for each step
 * p, the NR values op(B)[p, j..j+NR], zero past column n. B is [k, n], or [n, k] when
 * transposed, with rows `ldb` elements apart.
 */
function packB<T>(
  b: usize,
  n: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
  ldb: i32,
): void {
  const size = <usize>sizeof<T>();
  const width = nr<T>();
  for (let j = j0; j < j0 + nc; j += width) {
    if (!transB && j + width <= n) {
      // Plain layout, full panel: each step is two contiguous vectors.
      let src = b + (<usize>p0 * <usize>ldb + <usize>j) * size;
      const stride = <usize>ldb * size;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += stride;
        dst += ROW_BYTES;
      }
    } else if (transB && j + width <= n) {
      // Transposed layout: column jj of the panel is row j+jj of B, contiguous over p. Each
      // half of the panel's columns is filled a block of steps at a time, transposed.
      const rowBytes = <usize>ldb * size;
      const r0 = b + (<usize>j * <usize>ldb + <usize>p0) * size;
      const half = <usize>(width / 2) * rowBytes;
      const steps = 16 / <i32>sizeof<T>();
      let p = 0;
      for (; p + steps <= kc; p += steps) {
        const from = r0 + <usize>p * size;
        const to = dst + <usize>(p * ROW_BYTES);
        for (let h: usize = 0; h < 2; h++) {
          const q = from + h * half;
          const rows = q + rowBytes;
          transposeBlock<T>(q, rows, rows + rowBytes, rows + 2 * rowBytes, to + 16 * h, ROW_BYTES);
        }
      }
      for (; p < kc; p++) {
        for (let jj = 0; jj < width; jj++) {
          const src = r0 + <usize>jj * rowBytes + <usize>p * size;
          store<T>(dst + <usize>(p * width + jj) * size, load<T>(src));
        }
      }
      dst += <usize>(kc * ROW_BYTES);
    } else {
      // The last, partial panel: zero the columns past n.
      for (let p = 0; p < kc; p++) {
        for (let jj = 0; jj < width; jj++) {
          const col = j + jj;
          let v: T = <T>0;
          if (col < n) {
            const at = transB ? col * ldb + p0 + p : (p0 + p) * ldb + col;
            v = load<T>(b + <usize>at * size);
          }
          store<T>(dst, v);
          dst += size;
        }
      }
    }
  }
}

/**
 * Packs op(A)[i0:i0+mc, p0:p0+kc] into panels of MR rows: panel i holds, for each step p,
 * the MR values op(A)[i..i+MR, p], zero past row m. A is [m, k], or [k, m] when transposed,
 * with rows `lda` elements apart.
 */
function packA<T>(
  a: usize,
  m: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
  lda: i32,
): void {
  const size = <usize>sizeof<T>();
  for (let i = i0; i < i0 + mc; i += MR) {
    if (transA && i + MR <= m) {
      // Transposed layout: the MR values of one step are contiguous.
      let src = a + (<usize>p0 * <usize>lda + <usize>i) * size;
      const stride = <usize>lda * size;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        if (size === 8) v128.store(dst, v128.load(src, 16), 16);
        src += stride;
        dst += 4 * size;
      }
    } else if (!transA && i + MR <= m) {
      const rowBytes = <usize>lda * size;
      const r0 = a + (<usize>i * <usize>lda + <usize>p0) * size;
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      // A block of steps at a time, transposed (four float32 steps or two float64 ones).
      const steps = 16 / <i32>sizeof<T>();
      let p = 0;
      for (; p + steps <= kc; p += steps) {
        const off = <usize>p * size;
        if (size === 8) {
          transposeBlock<T>(r0 + off, r1 + off, 0, 0, dst, 32);
          transposeBlock<T>(r2 + off, r3 + off, 0, 0, dst + 16, 32);
        } else {
          transposeBlock<T>(r0 + off, r1 + off, r2 + off, r3 + off, dst, 16);
        }
        dst += 64;
      }
      for (; p < kc; p++) {
        const off = <usize>p * size;
        store<T>(dst, load<T>(r0 + off));
        store<T>(dst + size, load<T>(r1 + off));
        store<T>(dst + 2 * size, load<T>(r2 + off));
        store<T>(dst + 3 * size, load<T>(r3 + off));
        dst += 4 * size;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) {
          const row = i + ii;
          let v: T = <T>0;
          if (row < m) {
            const at = transA ? (p0 + p) * lda + row : row * lda + p0 + p;
            v = load<T>(a + <usize>at * size);
          }
          store<T>(dst, v);
          dst += size;
        }
      }
    }
  }
}

/** matmul computes every tile of C over the whole depth. */
export const FULL: i32 = 0;
/**
 * Only the tiles of C whose first column is at most four past the tile's last row: what a
 * causal (lower-triangular) product needs, with rows rounded up to whole vectors of four.
 */
export const LOWER_TILES: i32 = 1;
/** Each tile of rows [r, r + MR) sums only depth [0, r + MR): A is zero to the right of it. */
export const DEPTH_BEFORE: i32 = 2;
/** Each tile of rows [r, r + MR) sums only depth [r, k): A is zero to the left of it. */
export const DEPTH_FROM: i32 = 3;

/**
 * C[i0:i1, j0:j1] = op(A)·op(B) for one product. C is padded: its row stride is n rounded up
 * to NR and it has m rounded up to MR rows, so every micro-kernel writes a whole tile. i0 is
 * a multiple of MR and j0 of NR. `packedA` needs MC·KC and `packedB` KC·NC elements.
 *
 * `lda` and `ldb` are A's and B's row strides in elements where their rows are not packed
 * together (0: the row length, k or m for A and n or k for B).
 *
 * `band` (FULL by default) skips work a triangular operand makes zero (causal attention):
 * LOWER_TILES leaves the tiles above the diagonal unwritten; DEPTH_BEFORE and DEPTH_FROM skip
 * the depth where op(A)'s rows are zero. A skipped product of a finite value and a zero is ±0,
 * and a sum that starts at +0 is never −0, so what is computed has the bits of the full sum.
 */
export function matmul<T>(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  packedA: usize,
  packedB: usize,
  band: i32 = FULL,
  lda: i32 = 0,
  ldb: i32 = 0,
): void {
  const size = <usize>sizeof<T>();
  const width = nr<T>();
  const aStride = lda ? lda : transA ? m : k;
  const bStride = ldb ? ldb : transB ? k : n;
  const ldc = <usize>((n + width - 1) & ~(width - 1)) * size;
  if (k === 0) {
    // An empty sum: C is zero.
    for (let i = i0; i < i1; i++) {
      memory.fill(c + <usize>i * ldc + <usize>j0 * size, 0, <usize>(j1 - j0) * size);
    }
    return;
  }
  // Equal slices of the depth, each at most KC: 784 is cut as 4 × 196, not 3 × 256 + 16,
  // since a thin last slice pays for a pass over C with little work to show for it.
  const slices = (k + KC - 1) / KC;
  const depth = (k + slices - 1) / slices;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = (min(NC, j1 - jc) + width - 1) & ~(width - 1);
    for (let pc = 0; pc < k; pc += depth) {
      const kc = min(depth, k - pc);
      packB<T>(b, n, transB, pc, kc, jc, nc, packedB, bStride);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = (min(MC, i1 - ic) + MR - 1) & ~(MR - 1);
        packA<T>(a, m, transA, ic, mc, pc, kc, packedA, aStride);
        // B's micro-panel stays in L1 while the kernel sweeps down A's block from L2.
        for (let j = 0; j < nc; j += width) {
          const bp = packedB + <usize>(j * kc) * size;
          const cCol = c + <usize>(jc + j) * size;
          for (let i = 0; i < mc; i += MR) {
            const ap = packedA + <usize>(i * kc) * size;
            const tile = cCol + <usize>(ic + i) * ldc;
            if (band === FULL) {
              microKernel<T>(ap, bp, kc, tile, ldc, pc === 0);
              continue;
            }
            const row = ic + i;
            if (band === LOWER_TILES) {
              if (jc + j < row + MR + 4) microKernel<T>(ap, bp, kc, tile, ldc, pc === 0);
              continue;
            }
            // This tile's depth within the slice [pc, pc + kc), relative to pc.
            const from = band === DEPTH_FROM ? max(row - pc, 0) : 0;
            const to = band === DEPTH_BEFORE ? min(row + MR - pc, kc) : kc;
            // An empty range still stores the tile's zeros in the first slice.
            if (to <= from && pc > 0) continue;
            const steps = max(to - from, 0);
            const at = <usize>min(from, kc);
            microKernel<T>(
              ap + at * <usize>MR * size,
              bp + at * <usize>ROW_BYTES,
              steps,
              tile,
              ldc,
              pc === 0,
            );
          }
        }
      }
    }
  }
}

/**
 * matmul over products p0..p1 of a batch: product p reads A at `a` plus the byte offset
 * offsets[2p], B at `b` plus offsets[2p + 1], and writes the p-th padded C.
 */
function matmulBatch<T>(
  a: usize,
  b: usize,
  c: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  packedA: usize,
  packedB: usize,
): void {
  const width = nr<T>();
  const rows = <usize>((m + MR - 1) & ~(MR - 1));
  const cBytes = rows * <usize>((n + width - 1) & ~(width - 1)) * <usize>sizeof<T>();
  for (let p = p0; p < p1; p++) {
    const ao = <usize>load<u32>(offsets + ((<usize>p) << 3));
    const bo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    const cp = c + <usize>p * cBytes;
    matmul<T>(a + ao, b + bo, cp, m, k, n, transA, transB, i0, i1, j0, j1, packedA, packedB);
  }
}

/** matmulBatch in float32 (NR = 8). */
export function matmulBatchF32(
  a: usize,
  b: usize,
  c: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  packedA: usize,
  packedB: usize,
): void {
  matmulBatch<f32>(
    a,
    b,
    c,
    offsets,
    p0,
    p1,
    m,
    k,
    n,
    transA,
    transB,
    i0,
    i1,
    j0,
    j1,
    packedA,
    packedB,
  );
}

/** matmulBatch in float64 (NR = 4). */
export function matmulBatchF64(
  a: usize,
  b: usize,
  c: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  packedA: usize,
  packedB: usize,
): void {
  matmulBatch<f64>(
    a,
    b,
    c,
    offsets,
    p0,
    p1,
    m,
    k,
    n,
    transA,
    transB,
    i0,
    i1,
    j0,
    j1,
    packedA,
    packedB,
  );
}

/**
 * Int32 number `index` of a block of sizes at `geometry`: here a window's 13 (planes, h, w,
 * oh, ow, kh, kw, sh, sw, dh, dw, ph, pw); winograd.ts reads its own block the same way.
 */
export function field(geometry: usize, index: i32): i32 {
  return load<i32>(geometry + ((<usize>index) << 2));
}

/** im2colF32 and col2imF32, which take the same arguments: from, to, planes [p0, p1), the sizes. */
type WindowKernel = (
  from: usize,
  to: usize,
  p0: i32,
  p1: i32,
  h: i32,
  w: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  ph: i32,
  pw: i32,
) => void;

/**
 * `kernel` over all of `geometry`'s planes: im2colF32 from planes to columns, or col2imF32
 * from columns into planes.
 */
function windowPlanes(kernel: WindowKernel, from: usize, to: usize, geometry: usize): void {
  kernel(
    from,
    to,
    0,
    field(geometry, 0),
    field(geometry, 1),
    field(geometry, 2),
    field(geometry, 3),
    field(geometry, 4),
    field(geometry, 5),
    field(geometry, 6),
    field(geometry, 7),
    field(geometry, 8),
    field(geometry, 9),
    field(geometry, 10),
    field(geometry, 11),
    field(geometry, 12),
  );
}

/**
 * matmulBatchF32 where each product's B is the columns unfolded from its image planes (a
 * convolution's; `geometry` as `field` reads it, offsets[2p + 1] the byte offset of product
 * p's first plane in `b`): each product's columns are unfolded into `cols` (this slice's
 * scratch, planes·kh·kw·oh·ow elements) just before its product reads them, while they are
 * still in cache, rather than the whole batch's in a pass of their own.
 */
export function matmulUnfoldBatchF32(
  a: usize,
  b: usize,
  c: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  packedA: usize,
  packedB: usize,
  cols: usize,
  geometry: usize,
): void {
  const rows = <usize>((m + MR - 1) & ~(MR - 1));
  const cBytes = rows * <usize>((n + NR - 1) & ~(NR - 1)) * 4;
  for (let p = p0; p < p1; p++) {
    const ao = <usize>load<u32>(offsets + ((<usize>p) << 3));
    const bo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    windowPlanes(im2colF32, b + bo, cols, geometry);
    const cp = c + <usize>p * cBytes;
    matmul<f32>(a + ao, cols, cp, m, k, n, transA, transB, i0, i1, j0, j1, packedA, packedB);
  }
}

/**
 * matmulBatchF32 of whole products whose results are folded into image planes (a convolution's
 * input gradient, col2im(Wᵀ·g)): product p is computed into `c` (this slice's scratch, one
 * padded product, reused for each of its products while it is still in cache), its rows
 * closed up to [m, n] in place, and added by col2im into its `planes` planes at
 * `x` + p·planes·h·w·4, zeroed first.
 */
export function matmulFoldBatchF32(
  a: usize,
  b: usize,
  c: usize,
  offsets: usize,
  p0: i32,
  p1: i32,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  packedA: usize,
  packedB: usize,
  x: usize,
  geometry: usize,
): void {
  const np = (n + NR - 1) & ~(NR - 1);
  const planes = field(geometry, 0);
  const h = field(geometry, 1);
  const w = field(geometry, 2);
  const planeBytes = (<usize>(planes * h * w)) << 2;
  for (let p = p0; p < p1; p++) {
    const ao = <usize>load<u32>(offsets + ((<usize>p) << 3));
    const bo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    matmul<f32>(a + ao, b + bo, c, m, k, n, transA, transB, 0, m, 0, n, packedA, packedB);
    // Row i moves down to i·n from i·np ≥ i·n: forwards, each row's source is still unread.
    if (np !== n) {
      for (let i = 1; i < m; i++) {
        memory.copy(c + ((<usize>(i * n)) << 2), c + ((<usize>(i * np)) << 2), (<usize>n) << 2);
      }
    }
    const xp = x + <usize>p * planeBytes;
    memory.fill(xp, 0, planeBytes);
    windowPlanes(col2imF32, c, xp, geometry);
  }
}
