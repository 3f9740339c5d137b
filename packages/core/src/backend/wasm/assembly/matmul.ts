// float32 matrix product C = op(A)·op(B), cache-blocked and register-blocked (the GotoBLAS
// scheme): a KC-deep slice of op(B) is packed into panels NR columns wide, a block of op(A)
// into panels MR rows tall, and a micro-kernel keeps an MR×NR tile of C in registers while
// it walks the shared depth. Packing reads A or B in whichever layout they are stored, so
// transposed operands cost the same as plain ones and are never copied transposed.
//
// All pointers are byte addresses in the one linear memory; JavaScript lays out the
// operands and scratch space and splits C among threads by rows or columns.

/** Rows of C a micro-kernel computes at once. */
export const MR: i32 = 4;
/** Columns of C a micro-kernel computes at once: two 4-lane vectors. */
export const NR: i32 = 8;
/** Depth of one packed slice: a KC×NR panel of B (8 KiB) stays in L1. */
export const KC: i32 = 256;
/** Rows of A packed at once: an MC×KC block (64 KiB) stays in L2. */
export const MC: i32 = 64;
/** Columns of B packed at once: a KC×NC slice (2 MiB at most). */
export const NC: i32 = 2048;

/**
 * C[i0:i0+4, j0:j0+8] (+)= Ap·Bp over kc steps, where Ap holds 4 values of A per step and
 * Bp 8 values of B per step. `ldc` is C's row stride in bytes. The first slice of the depth
 * stores; later slices add to what is there, so every element of C sums its products in
 * the same order however C is split among threads. Its one call site gets it inlined.
 */
function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, first: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  // Eight accumulators, two B vectors, one broadcast A value and one product fit the 16
  // vector registers; larger tiles spill and were measured slower.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  if (!first) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c1), c10);
    c11 = f32x4.add(v128.load(c1, 16), c11);
    c20 = f32x4.add(v128.load(c2), c20);
    c21 = f32x4.add(v128.load(c2, 16), c21);
    c30 = f32x4.add(v128.load(c3), c30);
    c31 = f32x4.add(v128.load(c3, 16), c31);
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
 * Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of NR columns: panel j holds, for each step
 * p, the NR values op(B)[p, j..j+NR], zero past column n. B is [k, n], or [n, k] when
 * transposed.
 */
function packB(
  b: usize,
  k: i32,
  n: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  for (let j = j0; j < j0 + nc; j += NR) {
    if (!transB && j + NR <= n) {
      // Plain layout, full panel: each step is 8 contiguous floats.
      let src = b + ((<usize>p0 * <usize>n + <usize>j) << 2);
      const stride = (<usize>n) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += stride;
        dst += 32;
      }
    } else if (transB && j + NR <= n) {
      // Transposed layout: column jj of the panel is row j+jj of B, contiguous over p.
      for (let jj = 0; jj < NR; jj++) {
        const src = b + ((<usize>(j + jj) * <usize>k + <usize>p0) << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(dst + ((<usize>(p * NR + jj)) << 2), load<f32>(src + ((<usize>p) << 2)));
        }
      }
      dst += (<usize>(kc * NR)) << 2;
    } else {
      // The last, partial panel: zero the columns past n.
      for (let p = 0; p < kc; p++) {
        for (let jj = 0; jj < NR; jj++) {
          const col = j + jj;
          let v: f32 = 0;
          if (col < n) {
            const at = transB ? col * k + p0 + p : (p0 + p) * n + col;
            v = load<f32>(b + ((<usize>at) << 2));
          }
          store<f32>(dst, v);
          dst += 4;
        }
      }
    }
  }
}

/**
 * Packs op(A)[i0:i0+mc, p0:p0+kc] into panels of MR rows: panel i holds, for each step p,
 * the MR values op(A)[i..i+MR, p], zero past row m. A is [m, k], or [k, m] when transposed.
 */
function packA(
  a: usize,
  m: i32,
  k: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  for (let i = i0; i < i0 + mc; i += MR) {
    if (transA && i + MR <= m) {
      // Transposed layout: the MR values of one step are contiguous.
      let src = a + ((<usize>p0 * <usize>m + <usize>i) << 2);
      const stride = (<usize>m) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += stride;
        dst += 16;
      }
    } else if (!transA && i + MR <= m) {
      const r0 = a + ((<usize>i * <usize>k + <usize>p0) << 2);
      const rowBytes = (<usize>k) << 2;
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      for (let p = 0; p < kc; p++) {
        const off = (<usize>p) << 2;
        store<f32>(dst, load<f32>(r0 + off));
        store<f32>(dst, load<f32>(r1 + off), 4);
        store<f32>(dst, load<f32>(r2 + off), 8);
        store<f32>(dst, load<f32>(r3 + off), 12);
        dst += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) {
          const row = i + ii;
          let v: f32 = 0;
          if (row < m) {
            const at = transA ? (p0 + p) * m + row : row * k + p0 + p;
            v = load<f32>(a + ((<usize>at) << 2));
          }
          store<f32>(dst, v);
          dst += 4;
        }
      }
    }
  }
}

/**
 * C[i0:i1, j0:j1] = op(A)·op(B) for one product. C is padded: its row stride `ldc` (in
 * floats) is n rounded up to NR and it has m rounded up to MR rows, so every micro-kernel
 * writes a whole tile. i0 is a multiple of MR and j0 of NR. `packA` needs MC·KC floats and
 * `packB` KC·NC floats of scratch.
 */
export function matmulF32(
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
): void {
  const ldc = (<usize>((n + NR - 1) & ~(NR - 1))) << 2;
  if (k === 0) {
    // An empty sum: C is zero.
    for (let i = i0; i < i1; i++)
      memory.fill(c + <usize>i * ldc + ((<usize>j0) << 2), 0, (<usize>(j1 - j0)) << 2);
    return;
  }
  // Equal slices of the depth, each at most KC: 784 is cut as 4 × 196, not 3 × 256 + 16,
  // since a thin last slice pays for a pass over C with little work to show for it.
  const slices = (k + KC - 1) / KC;
  const depth = (k + slices - 1) / slices;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = (min(NC, j1 - jc) + NR - 1) & ~(NR - 1);
    for (let pc = 0; pc < k; pc += depth) {
      const kc = min(depth, k - pc);
      packB(b, k, n, transB, pc, kc, jc, nc, packedB);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = (min(MC, i1 - ic) + MR - 1) & ~(MR - 1);
        packA(a, m, k, transA, ic, mc, pc, kc, packedA);
        // B's micro-panel stays in L1 while the kernel sweeps down A's block from L2.
        for (let j = 0; j < nc; j += NR) {
          const bp = packedB + ((<usize>(j * kc)) << 2);
          const cCol = c + ((<usize>(jc + j)) << 2);
          for (let i = 0; i < mc; i += MR) {
            const ap = packedA + ((<usize>(i * kc)) << 2);
            microKernel(ap, bp, kc, cCol + <usize>(ic + i) * ldc, ldc, pc === 0);
          }
        }
      }
    }
  }
}

/**
 * matmulF32 over products p0..p1 of a batch: product p reads A at `a` plus the byte offset
 * offsets[2p], B at `b` plus offsets[2p + 1], and writes the p-th padded C.
 */
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
  const cBytes = <usize>((m + MR - 1) & ~(MR - 1)) * ((<usize>((n + NR - 1) & ~(NR - 1))) << 2);
  for (let p = p0; p < p1; p++) {
    const ao = <usize>load<u32>(offsets + ((<usize>p) << 3));
    const bo = <usize>load<u32>(offsets + ((<usize>p) << 3), 4);
    matmulF32(
      a + ao,
      b + bo,
      c + <usize>p * cBytes,
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
}
