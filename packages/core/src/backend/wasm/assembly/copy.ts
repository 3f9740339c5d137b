// Strided float32 copies of up to four axes into a contiguous destination (a permutation such
// as attention's [B, T, H, D] → [B, H, T, D], made contiguous): the source view is walked in
// the destination's order. Runs that are contiguous on both sides move as vectors. Values are
// moved, never computed with, so the copy is exact.

/**
 * dst[i0, i1, i2, i3] (contiguous [n0, n1, n2, n3]) = src[i0·s0 + i1·s1 + i2·s2 + i3·s3],
 * strides in elements (negative ones allowed: `src` is the address of element 0 of the view).
 */
export function permuteF32(
  src: usize,
  dst: usize,
  n0: i32,
  n1: i32,
  n2: i32,
  n3: i32,
  s0: i32,
  s1: i32,
  s2: i32,
  s3: i32,
): void {
  let out = dst;
  const vectors = s3 === 1 ? n3 & ~3 : 0;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const row = <isize>(i0 * s0 + i1 * s1 + i2 * s2);
        const from = <usize>(<isize>src + (row << 2));
        let j = 0;
        for (; j < vectors; j += 4) {
          v128.store(out, v128.load(from + ((<usize>j) << 2)));
          out += 16;
        }
        for (; j < n3; j++) {
          store<f32>(out, load<f32>(<usize>(<isize>from + ((<isize>(j * s3)) << 2))));
          out += 4;
        }
      }
    }
  }
}
