// The sliding-window kernels over float32 planes with two spatial axes (one axis is a height
// of 1): im2col, col2im, max and sum pooling, each over planes [p0, p1) so that a call can be
// split among threads by planes. Every output element sees the reference's steps in the
// reference's order (col2im adds each column entry into x in kernel-offset order, sums
// accumulate in float64), so results are bit-identical to it. For each kernel offset the
// window positions that read inside x are worked out once, so the inner loops carry no bounds
// test: runs of stride 1 move with memory.copy, or add four lanes at a time.

/** Whether v is a NaN (all exponent bits set and a nonzero fraction). */
function isNaNf32(v: f32): bool {
  return (reinterpret<u32>(v) & 0x7fffffff) > 0x7f800000;
}

/** The first o in [0, count) with o·step + offset ≥ 0 (count if none). */
// @ts-expect-error: decorator
function insideLo(count: i32, step: i32, offset: i32): i32 {
  if (offset >= 0) return 0;
  return min(count, (step - 1 - offset) / step);
}

/** One past the last o in [0, count) with o·step + offset < size, at least lo. */
// @ts-expect-error: decorator
function insideHi(count: i32, step: i32, offset: i32, size: i32, lo: i32): i32 {
  const last = size - 1 - offset;
  const hi = last < 0 ? 0 : min(count, last / step + 1);
  return max(lo, hi);
}

/**
 * cols[p, ki, kj, i, j] (float32, [planes, kh, kw, oh, ow]) = x[p, i·sh + ki·dh − ph,
 * j·sw + kj·dw − pw], or 0 outside x, for planes p in [p0, p1).
 */
export function im2colF32(
  x: usize,
  cols: usize,
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
): void {
  const inBytes = (<usize>(h * w)) << 2;
  const outSize = oh * ow;
  const outBytes = (<usize>outSize) << 2;
  const rowBytes = (<usize>ow) << 2;
  for (let p = p0; p < p1; p++) {
    const xBase = x + <usize>p * inBytes;
    let c = cols + <usize>p * <usize>(kh * kw) * outBytes;
    for (let ki = 0; ki < kh; ki++) {
      const hOff = ki * dh - ph;
      const oh0 = insideLo(oh, sh, hOff);
      const oh1 = insideHi(oh, sh, hOff, h, oh0);
      for (let kj = 0; kj < kw; kj++, c += outBytes) {
        const wOff = kj * dw - pw;
        const ow0 = insideLo(ow, sw, wOff);
        const ow1 = insideHi(ow, sw, wOff, w, ow0);
        if (oh0 > 0) memory.fill(c, 0, <usize>oh0 * rowBytes);
        if (oh1 < oh) memory.fill(c + <usize>oh1 * rowBytes, 0, <usize>(oh - oh1) * rowBytes);
        for (let i = oh0; i < oh1; i++) {
          const row = c + <usize>i * rowBytes;
          const src = xBase + ((<usize>((i * sh + hOff) * w + wOff)) << 2);
          if (ow0 > 0) memory.fill(row, 0, (<usize>ow0) << 2);
          if (ow1 < ow) memory.fill(row + ((<usize>ow1) << 2), 0, (<usize>(ow - ow1)) << 2);
          if (sw === 1) {
            memory.copy(
              row + ((<usize>ow0) << 2),
              src + ((<usize>ow0) << 2),
              (<usize>(ow1 - ow0)) << 2,
            );
          } else {
            for (let j = ow0; j < ow1; j++) {
              store<f32>(row + ((<usize>j) << 2), load<f32>(src + ((<usize>(j * sw)) << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2colF32: x[p, i·sh + ki·dh − ph, j·sw + kj·dw − pw] += cols[p, ki, kj, i, j]
 * for every position inside x, for planes p in [p0, p1); x holds its starting values.
 */
export function col2imF32(
  cols: usize,
  x: usize,
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
): void {
  const inBytes = (<usize>(h * w)) << 2;
  const outSize = oh * ow;
  const outBytes = (<usize>outSize) << 2;
  const rowBytes = (<usize>ow) << 2;
  for (let p = p0; p < p1; p++) {
    const xBase = x + <usize>p * inBytes;
    let c = cols + <usize>p * <usize>(kh * kw) * outBytes;
    for (let ki = 0; ki < kh; ki++) {
      const hOff = ki * dh - ph;
      const oh0 = insideLo(oh, sh, hOff);
      const oh1 = insideHi(oh, sh, hOff, h, oh0);
      for (let kj = 0; kj < kw; kj++, c += outBytes) {
        const wOff = kj * dw - pw;
        const ow0 = insideLo(ow, sw, wOff);
        const ow1 = insideHi(ow, sw, wOff, w, ow0);
        for (let i = oh0; i < oh1; i++) {
          const row = c + <usize>i * rowBytes;
          const dst = xBase + ((<usize>((i * sh + hOff) * w + wOff)) << 2);
          let j = ow0;
          if (sw === 1) {
            for (; j + 4 <= ow1; j += 4) {
              const at = (<usize>j) << 2;
              v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(row + at)));
            }
            for (; j < ow1; j++) {
              const at = (<usize>j) << 2;
              store<f32>(dst + at, load<f32>(dst + at) + load<f32>(row + at));
            }
          } else {
            for (; j < ow1; j++) {
              const d = dst + ((<usize>(j * sw)) << 2);
              store<f32>(d, load<f32>(d) + load<f32>(row + ((<usize>j) << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * Max pooling of planes [p0, p1): out[p, i, j] (float32) = the largest x[p, ·] in the window,
 * indices[p, i, j] (int32) its flat position in the plane: the first of equal values, the
 * last NaN; −∞ and −1 where the window has no position inside x.
 */
export function windowMaxF32(
  x: usize,
  out: usize,
  indices: usize,
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
): void {
  const inBytes = (<usize>(h * w)) << 2;
  const outSize = oh * ow;
  // 2×2 windows without dilation, all inside x (the usual max-pool): no loop over the kernel.
  const inside2x2 =
    kh === 2 &&
    kw === 2 &&
    dh === 1 &&
    dw === 1 &&
    ph === 0 &&
    pw === 0 &&
    (oh - 1) * sh + 2 <= h &&
    (ow - 1) * sw + 2 <= w;
  for (let p = p0; p < p1; p++) {
    const xBase = x + <usize>p * inBytes;
    let at = <usize>p * <usize>outSize;
    if (inside2x2) {
      for (let i = 0; i < oh; i++) {
        const top = i * sh * w;
        let j = 0;
        // Stride 2 (the usual 2×2 pool): four windows from two vectors of each row, the
        // update rule below as lane selects. A data-dependent branch per tap mispredicts on
        // every other element of random data, which made the scalar loop cost about 20 ns
        // per window.
        if (sw === 2) {
          for (; j + 4 <= ow; j += 4, at += 4) {
            const first = top + 2 * j;
            const a = xBase + ((<usize>first) << 2);
            const b = a + ((<usize>w) << 2);
            const a0 = v128.load(a);
            const a1 = v128.load(a, 16);
            const b0 = v128.load(b);
            const b1 = v128.load(b, 16);
            const base = i32x4.add(i32x4.splat(first), i32x4(0, 2, 4, 6));
            let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
            let index = base;
            let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
            let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, take);
            index = v128.bitselect(i32x4.add(base, i32x4.splat(1)), index, take);
            v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
            take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, take);
            index = v128.bitselect(i32x4.add(base, i32x4.splat(w)), index, take);
            v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
            take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, take);
            index = v128.bitselect(i32x4.add(base, i32x4.splat(w + 1)), index, take);
            v128.store(out + (at << 2), best);
            v128.store(indices + (at << 2), index);
          }
        }
        for (; j < ow; j++, at++) {
          // The taps in the reference's order, under its update rule.
          let index = top + j * sw;
          const a = xBase + ((<usize>index) << 2);
          let best = load<f32>(a);
          let v = load<f32>(a, 4);
          if (v > best || isNaNf32(v)) {
            best = v;
            index += 1;
          }
          const below = top + j * sw + w;
          const b = xBase + ((<usize>below) << 2);
          v = load<f32>(b);
          if (v > best || isNaNf32(v)) {
            best = v;
            index = below;
          }
          v = load<f32>(b, 4);
          if (v > best || isNaNf32(v)) {
            best = v;
            index = below + 1;
          }
          store<f32>(out + (at << 2), best);
          store<i32>(indices + (at << 2), index);
        }
      }
      continue;
    }
    for (let i = 0; i < oh; i++) {
      const ih0 = i * sh - ph;
      const ki0 = insideLo(kh, dh, ih0);
      const ki1 = insideHi(kh, dh, ih0, h, ki0);
      for (let j = 0; j < ow; j++, at++) {
        const iw0 = j * sw - pw;
        const kj0 = insideLo(kw, dw, iw0);
        const kj1 = insideHi(kw, dw, iw0, w, kj0);
        let best: f32 = -Infinity;
        let bestIndex = -1;
        for (let ki = ki0; ki < ki1; ki++) {
          const rowStart = (ih0 + ki * dh) * w + iw0;
          for (let kj = kj0; kj < kj1; kj++) {
            const index = rowStart + kj * dw;
            const v = load<f32>(xBase + ((<usize>index) << 2));
            // PyTorch's update rule: the first position, anything larger, and every NaN.
            if (bestIndex === -1 || v > best || isNaNf32(v)) {
              best = v;
              bestIndex = index;
            }
          }
        }
        store<f32>(out + (at << 2), best);
        store<i32>(indices + (at << 2), bestIndex);
      }
    }
  }
}

/**
 * Sum pooling of planes [p0, p1): out[p, i, j] (float32) = Σ x[p, ·] over the window's
 * positions inside x, accumulated in float64 (0 where there are none).
 */
export function windowSumF32(
  x: usize,
  out: usize,
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
): void {
  const inBytes = (<usize>(h * w)) << 2;
  const outSize = oh * ow;
  for (let p = p0; p < p1; p++) {
    const xBase = x + <usize>p * inBytes;
    let at = <usize>p * <usize>outSize;
    for (let i = 0; i < oh; i++) {
      const ih0 = i * sh - ph;
      const ki0 = insideLo(kh, dh, ih0);
      const ki1 = insideHi(kh, dh, ih0, h, ki0);
      for (let j = 0; j < ow; j++, at++) {
        const iw0 = j * sw - pw;
        const kj0 = insideLo(kw, dw, iw0);
        const kj1 = insideHi(kw, dw, iw0, w, kj0);
        let sum: f64 = 0;
        for (let ki = ki0; ki < ki1; ki++) {
          const rowStart = xBase + ((<usize>((ih0 + ki * dh) * w + iw0)) << 2);
          for (let kj = kj0; kj < kj1; kj++)
            sum += <f64>load<f32>(rowStart + ((<usize>(kj * dw)) << 2));
        }
        store<f32>(out + (at << 2), <f32>sum);
      }
    }
  }
}
