// Elementwise float32 kernels: ReLU, its gradient and comparisons, whose JavaScript loops
// branch on the data (on values of random sign a branch mispredicts half the time, and these
// lane-wise SIMD selects never branch), + − × ÷ four lanes at a time, and column sums. All
// produce exactly what the JavaScript reference computes.

/** out[i] = max(x[i], 0) for i < n (wasm's max gives NaN for NaN and +0 for -0, as Math.max). */
export function reluF32(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(out + at, f32x4.max(v128.load(x + at), zero));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    store<f32>(out + at, max<f32>(load<f32>(x + at), 0));
  }
}

/** Comparison codes, in the order of the JavaScript caller's table; 5 is ≥. */
const EQ = 0;
const NE = 1;
const LT = 2;
const LE = 3;
const GT = 4;

function compareLanes(op: i32, a: v128, b: v128): v128 {
  if (op === EQ) return f32x4.eq(a, b);
  if (op === NE) return f32x4.ne(a, b);
  if (op === LT) return f32x4.lt(a, b);
  if (op === LE) return f32x4.le(a, b);
  if (op === GT) return f32x4.gt(a, b);
  return f32x4.ge(a, b);
}

function compareScalar(op: i32, a: f32, b: f32): u8 {
  if (op === EQ) return <u8>(a === b);
  if (op === NE) return <u8>(a !== b);
  if (op === LT) return <u8>(a < b);
  if (op === LE) return <u8>(a <= b);
  if (op === GT) return <u8>(a > b);
  return <u8>(a >= b);
}

/**
 * out[i] = a[i·aStep] ∘ b[i·bStep] ? 1 : 0 for i < n, with steps of 0 (a broadcast scalar)
 * or 1; out holds one byte per element.
 */
export function compareF32(
  op: i32,
  a: usize,
  aStep: i32,
  b: usize,
  bStep: i32,
  out: usize,
  n: i32,
): void {
  const aBytes = <usize>(aStep << 4);
  const bBytes = <usize>(bStep << 4);
  const one = i8x16.splat(1);
  let i = 0;
  // Sixteen elements at a time: four masks of 4 × 32 bits narrowed to 16 bytes.
  for (; i + 16 <= n; i += 16) {
    const pa = a + <usize>(i * aStep) * 4;
    const pb = b + <usize>(i * bStep) * 4;
    const va0 = aStep ? v128.load(pa) : v128.load32_splat(pa);
    const va1 = aStep ? v128.load(pa + aBytes) : va0;
    const va2 = aStep ? v128.load(pa + 2 * aBytes) : va0;
    const va3 = aStep ? v128.load(pa + 3 * aBytes) : va0;
    const vb0 = bStep ? v128.load(pb) : v128.load32_splat(pb);
    const vb1 = bStep ? v128.load(pb + bBytes) : vb0;
    const vb2 = bStep ? v128.load(pb + 2 * bBytes) : vb0;
    const vb3 = bStep ? v128.load(pb + 3 * bBytes) : vb0;
    const low = i16x8.narrow_i32x4_s(compareLanes(op, va0, vb0), compareLanes(op, va1, vb1));
    const high = i16x8.narrow_i32x4_s(compareLanes(op, va2, vb2), compareLanes(op, va3, vb3));
    v128.store(out + <usize>i, v128.and(i8x16.narrow_i16x8_s(low, high), one));
  }
  for (; i < n; i++) {
    const va = load<f32>(a + <usize>(i * aStep) * 4);
    const vb = load<f32>(b + <usize>(i * bStep) * 4);
    store<u8>(out + <usize>i, compareScalar(op, va, vb));
  }
}

/** Arithmetic codes, in the order of the JavaScript caller's table. */
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
/** ReLU's gradient: a where b > 0, else +0. */
const RELU_GRAD = 4;
/** a with the sign bit of b. */
const COPYSIGN = 5;

/**
 * The arithmetic kernel's loops, inlined at each call with `op` and the operands' layouts as
 * constants: the optimizer otherwise keeps one loop for every op, which computed +, − and ×
 * (and, for ReLU's gradient, ÷) before branching to the op's own result, and tested both
 * layouts, at every step. A class of static methods because `@inline` decorates methods.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript inlines only decorated members here
class Arithmetic {
  @inline
  static lanes(op: i32, a: v128, b: v128): v128 {
    if (op === ADD) return f32x4.add(a, b);
    if (op === SUB) return f32x4.sub(a, b);
    if (op === MUL) return f32x4.mul(a, b);
    if (op === DIV) return f32x4.div(a, b);
    // The sign bit from b, every other bit from a.
    if (op === COPYSIGN) return v128.bitselect(b, a, f32x4.splat(-0.0));
    // The mask of b > 0 (all ones or all zeros per lane) keeps a's bits or clears them to +0.
    return v128.and(a, f32x4.gt(b, f32x4.splat(0)));
  }

  @inline
  static scalar(op: i32, a: f32, b: f32): f32 {
    if (op === ADD) return a + b;
    if (op === SUB) return a - b;
    if (op === MUL) return a * b;
    if (op === DIV) return a / b;
    if (op === COPYSIGN) return copysign<f32>(a, b);
    return b > 0 ? a : 0;
  }

  /** One row of n: a and b each read with a step of 1 (`aRun`, `bRun`) or broadcast (0). */
  @inline
  static row(op: i32, aRun: bool, bRun: bool, pa: usize, pb: usize, po: usize, n: i32): void {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const at = (<usize>j) << 2;
      const va = aRun ? v128.load(pa + at) : v128.load32_splat(pa);
      const vb = bRun ? v128.load(pb + at) : v128.load32_splat(pb);
      v128.store(po + at, Arithmetic.lanes(op, va, vb));
    }
    for (; j < n; j++) {
      const at = (<usize>j) << 2;
      const va = load<f32>(aRun ? pa + at : pa);
      const vb = load<f32>(bRun ? pb + at : pb);
      store<f32>(po + at, Arithmetic.scalar(op, va, vb));
    }
  }

  @inline
  static rows(
    op: i32,
    a: usize,
    aRow: i32,
    aStep: i32,
    b: usize,
    bRow: i32,
    bStep: i32,
    out: usize,
    rows: i32,
    n: i32,
  ): void {
    for (let r = 0; r < rows; r++) {
      const pa = a + <usize>(r * aRow) * 4;
      const pb = b + <usize>(r * bRow) * 4;
      const po = out + <usize>(r * n) * 4;
      if (aStep && bStep) Arithmetic.row(op, true, true, pa, pb, po, n);
      else if (aStep) Arithmetic.row(op, true, false, pa, pb, po, n);
      else if (bStep) Arithmetic.row(op, false, true, pa, pb, po, n);
      else Arithmetic.row(op, false, false, pa, pb, po, n);
    }
  }
}

/**
 * out[r, j] = a[r·aRow + j·aStep] ∘ b[r·bRow + j·bStep] for r < rows and j < n, with steps
 * of 0 (broadcast) or 1, ∘ one of + − × ÷, ReLU's gradient or copysign. Each is rounded once to
 * float32, which is what JavaScript's float64 result rounds to as well: float64 holds the
 * exact sum, difference, product or quotient of two float32 values closely enough that
 * rounding twice agrees.
 */
export function arithmeticF32(
  op: i32,
  a: usize,
  aRow: i32,
  aStep: i32,
  b: usize,
  bRow: i32,
  bStep: i32,
  out: usize,
  rows: i32,
  n: i32,
): void {
  if (op === ADD) Arithmetic.rows(ADD, a, aRow, aStep, b, bRow, bStep, out, rows, n);
  else if (op === SUB) Arithmetic.rows(SUB, a, aRow, aStep, b, bRow, bStep, out, rows, n);
  else if (op === MUL) Arithmetic.rows(MUL, a, aRow, aStep, b, bRow, bStep, out, rows, n);
  else if (op === DIV) Arithmetic.rows(DIV, a, aRow, aStep, b, bRow, bStep, out, rows, n);
  else if (op === COPYSIGN) Arithmetic.rows(COPYSIGN, a, aRow, aStep, b, bRow, bStep, out, rows, n);
  else Arithmetic.rows(RELU_GRAD, a, aRow, aStep, b, bRow, bStep, out, rows, n);
}

/**
 * out[j] = Σ_r x[r·n + j] for j < n: each column summed in float64 in row order, as the
 * reference sums, and rounded to float32 once at the end. `acc` has room for n float64s.
 */
export function sumColumnsF32(x: usize, rows: i32, n: i32, acc: usize, out: usize): void {
  memory.fill(acc, 0, <usize>n * 8);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>(r * n) * 4;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const v = v128.load(row + ((<usize>j) << 2));
      const a = acc + ((<usize>j) << 3);
      const high = i32x4.shuffle(v, v, 2, 3, 0, 1);
      v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v)));
      v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(high)), 16);
    }
    for (; j < n; j++) {
      const a = acc + ((<usize>j) << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(row + ((<usize>j) << 2)));
    }
  }
  for (let j = 0; j < n; j++) {
    store<f32>(out + ((<usize>j) << 2), <f32>load<f64>(acc + ((<usize>j) << 3)));
  }
}

/** Rounding codes, in the order of the JavaScript caller's table; 3 is to nearest, ties to even. */
const FLOOR = 0;
const CEIL = 1;
const TRUNC = 2;

function roundLanesF32(op: i32, x: v128): v128 {
  if (op === FLOOR) return f32x4.floor(x);
  if (op === CEIL) return f32x4.ceil(x);
  if (op === TRUNC) return f32x4.trunc(x);
  return f32x4.nearest(x);
}

function roundScalarF32(op: i32, x: f32): f32 {
  if (op === FLOOR) return floor<f32>(x);
  if (op === CEIL) return ceil<f32>(x);
  if (op === TRUNC) return trunc<f32>(x);
  return nearest<f32>(x);
}

function roundRowsF32(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(out + at, roundLanesF32(op, v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    store<f32>(out + at, roundScalarF32(op, load<f32>(x + at)));
  }
}

/**
 * out[i] = x[i] rounded down, up, toward zero or to nearest (ties to even) for i < n: one
 * instruction per four lanes, exact, so equal to the JavaScript reference's result.
 */
export function roundF32(op: i32, x: usize, out: usize, n: i32): void {
  if (op === FLOOR) roundRowsF32(FLOOR, x, out, n);
  else if (op === CEIL) roundRowsF32(CEIL, x, out, n);
  else if (op === TRUNC) roundRowsF32(TRUNC, x, out, n);
  else roundRowsF32(3, x, out, n);
}

function roundLanesF64(op: i32, x: v128): v128 {
  if (op === FLOOR) return f64x2.floor(x);
  if (op === CEIL) return f64x2.ceil(x);
  if (op === TRUNC) return f64x2.trunc(x);
  return f64x2.nearest(x);
}

function roundScalarF64(op: i32, x: f64): f64 {
  if (op === FLOOR) return floor<f64>(x);
  if (op === CEIL) return ceil<f64>(x);
  if (op === TRUNC) return trunc<f64>(x);
  return nearest<f64>(x);
}

function roundRowsF64(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = (<usize>i) << 3;
    v128.store(out + at, roundLanesF64(op, v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 3;
    store<f64>(out + at, roundScalarF64(op, load<f64>(x + at)));
  }
}

/** roundF32 for float64, two lanes at a time. */
export function roundF64(op: i32, x: usize, out: usize, n: i32): void {
  if (op === FLOOR) roundRowsF64(FLOOR, x, out, n);
  else if (op === CEIL) roundRowsF64(CEIL, x, out, n);
  else if (op === TRUNC) roundRowsF64(TRUNC, x, out, n);
  else roundRowsF64(3, x, out, n);
}
