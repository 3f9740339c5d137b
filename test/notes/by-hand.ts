// Plain-array arithmetic for computing the notes' formulas by hand, and the few helpers that
// set up, read and compare the autodiff side. Nothing in the by-hand half touches a Tensor.
// No test-runner imports: examples/backprop-by-hand.ts uses this file too.
import { formatShape, Generator, gradients, type Tensor, tensor } from "@tensortape/core";
import { assertClose, maxAbsDiff, randomTensor } from "@tensortape/core/testing";

/** A column of numbers, indexed from 0. */
export type Vec = number[];
/** A matrix as rows: m[i][j] is row i, column j. */
export type Mat = number[][];

// ---- By hand: scalars ----

/** σ(z) = 1 / (1 + e^−z), as the notes write it. */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** ReLU(z) = z if z > 0, else 0. */
export function relu(z: number): number {
  return Math.max(z, 0);
}

/** ReLU'(z) = 1 if z > 0, else 0 (notes 000 and 004; 0 at the kink). */
export function reluPrime(z: number): number {
  return z > 0 ? 1 : 0;
}

// ---- By hand: vectors and matrices ----

/** softmax(z)_k = e^{z_k} / Σ_j e^{z_j}, literally (no max subtracted: the inputs are small). */
export function softmax(z: Vec): Vec {
  let total = 0;
  for (const zj of z) total += Math.exp(zj);
  return z.map((zk) => Math.exp(zk) / total);
}

/** W·v for W of shape [rows, cols] and v of length cols. */
export function matVec(w: Mat, v: Vec): Vec {
  return w.map((row) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += row[k]! * v[k]!;
    return s;
  });
}

/** z = W·a + b, one layer's pre-activations. */
export function affine(w: Mat, a: Vec, b: Vec): Vec {
  return matVec(w, a).map((s, j) => s + b[j]!);
}

/** A·B for A [m, k] and B [k, n]. */
export function matMul(a: Mat, b: Mat): Mat {
  const n = b[0]!.length;
  return a.map((row) => {
    const out = new Array<number>(n).fill(0);
    for (let k = 0; k < row.length; k++) {
      for (let j = 0; j < n; j++) out[j]! += row[k]! * b[k]![j]!;
    }
    return out;
  });
}

/** Aᵀ. */
export function transpose(a: Mat): Mat {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

/** u·vᵀ: the matrix whose [i][j] entry is u_i·v_j. */
export function outer(u: Vec, v: Vec): Mat {
  return u.map((ui) => v.map((vj) => ui * vj));
}

/** Elementwise f(x, y) over two vectors or two matrices of the same shape (⊙ when f is ×). */
export function zipWith<T extends Vec | Mat>(x: T, y: T, f: (a: number, b: number) => number): T {
  return x.map((xi, i) =>
    Array.isArray(xi) ? xi.map((xij, j) => f(xij, (y as Mat)[i]![j]!)) : f(xi, (y as Vec)[i]!),
  ) as T;
}

/** Elementwise f(x) over a vector or a matrix. */
export function mapAll<T extends Vec | Mat>(x: T, f: (a: number) => number): T {
  return x.map((xi) => (Array.isArray(xi) ? xi.map(f) : f(xi))) as T;
}

/** The n-vector of ones, 1_n. */
export function ones(n: number): Vec {
  return new Array<number>(n).fill(1);
}

/** A vector as an n×1 matrix (a column, as note 004 writes x, z, a). */
export function column(v: Vec): Mat {
  return v.map((x) => [x]);
}

/** One-hot vector of length n with a 1 at `k`. */
export function oneHot(k: number, n: number): Vec {
  return Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
}

/** The mean of equally shaped vectors or matrices: (1/n) Σ_i x_i. */
export function meanOf<T extends Vec | Mat>(xs: readonly T[]): T {
  const total = xs.reduce((acc, x) => zipWith(acc, x, (a, b) => a + b));
  return mapAll(total, (v) => v / xs.length);
}

// ---- The autodiff side: leaves, reading values back, comparing ----

/** A float64 leaf with uniform values in [low, high] (default [−1, 1]) that requires grad. */
export function leaf(shape: readonly number[], seed: number, low = -1, high = 1): Tensor {
  return randomTensor(shape, { seed, low, high, requiresGrad: true });
}

/** A float64 tensor with uniform values in [low, high] that does not require grad (data). */
export function input(shape: readonly number[], seed: number, low = -1, high = 1): Tensor {
  return randomTensor(shape, { seed, low, high });
}

/** Class labels drawn uniformly from [0, classes), as plain numbers. */
export function labels(count: number, classes: number, seed: number): number[] {
  const generator = new Generator(seed);
  return Array.from({ length: count }, () => generator.integer(0, classes));
}

/** A tensor's values as a plain vector (any shape, row-major). */
export function vec(t: Tensor): Vec {
  return Array.from(t.data);
}

/** A rank-2 tensor's values as plain rows. */
export function mat(t: Tensor): Mat {
  return t.toArray() as Mat;
}

/** A plain vector or matrix as a float64 tensor of the same shape (targets, constants). */
export function constant(x: number | Vec | Mat): Tensor {
  return tensor(x, { dtype: "float64" });
}

function shapeOf(x: number | Vec | Mat): number[] {
  if (typeof x === "number") return [];
  const first = x[0];
  return Array.isArray(first) ? [x.length, first.length] : [x.length];
}

/** float64 agreement: rounding differences only, so anything past 1e-12 + 1e-10·|x| is a bug. */
export const TOLERANCE = { atol: 1e-12, rtol: 1e-10 } as const;

/**
 * Asserts that a gradient from the backward pass equals the by-hand value element by element,
 * with the same shape (a number is a scalar, a Vec a 1-D tensor, a Mat a 2-D one).
 */
export function expectClose(autodiff: Tensor | null, byHand: number | Vec | Mat): void {
  if (autodiff === null) throw new Error("expectClose: no gradient reached this tensor");
  const expected = shapeOf(byHand);
  if (formatShape(autodiff.shape) !== formatShape(expected)) {
    throw new Error(
      `expectClose: the backward pass gave shape ${formatShape(autodiff.shape)}, by hand ${formatShape(expected)}`,
    );
  }
  assertClose(autodiff, byHand, TOLERANCE);
}

/**
 * Asserts that a wrong formula (a note's slip taken literally, or a term left out) does not
 * match the backward pass: it is off by more than 1e-3 somewhere, or has another size.
 */
export function expectDisagrees(autodiff: Tensor | null, wrong: number | Vec | Mat): void {
  if (autodiff === null) throw new Error("expectDisagrees: no gradient reached this tensor");
  const difference = maxAbsDiff(autodiff, wrong);
  if (!(difference > 1e-3)) {
    throw new Error(
      `expectDisagrees: the wrong formula matches the backward pass (|Δ| ${difference})`,
    );
  }
}

/**
 * Asserts that every pre-activation is clear of ReLU's kink at 0 (so ReLU' is unambiguous)
 * and that both signs occur (so the mask 1{z > 0} matters to the result).
 */
export function expectAwayFromKink(z: Vec | Mat): void {
  const values = z.flat();
  const closest = Math.min(...values.map(Math.abs));
  if (!(closest > 1e-3)) throw new Error(`a pre-activation is at ReLU's kink: |z| = ${closest}`);
  if (!(values.some((v) => v > 0) && values.some((v) => v < 0))) {
    throw new Error("the pre-activations all have one sign: pick another seed");
  }
}

/**
 * The Jacobian ∂y_i/∂x_j of y = f(x) by the backward pass: one pass per output element,
 * seeded with a one-hot upstream gradient. y and x are flattened row-major.
 */
export function jacobian(f: (x: Tensor) => Tensor, x: Tensor): Mat {
  const y = f(x);
  return Array.from({ length: y.size }, (_, i) => {
    const seed = tensor(oneHot(i, y.size), { dtype: "float64" }).reshape(y.shape);
    const [dx] = gradients(y, [x], seed, { retainGraph: true });
    return vec(dx!);
  });
}
