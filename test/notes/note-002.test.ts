// Note 002_d940d98a2de1d1af.txt: the MNIST setting (784 inputs, 10 outputs, sigmoid hidden
// layers, W·a + b in matrix form); the single-neuron chain rule for C0 = (a^L − y)²; the
// gradient over a data set as the mean of per-example gradients, and mini-batches; and
// multi-neuron layers, where ∂C0/∂a_k^(L−1) sums over every neuron a_k^(L−1) feeds.
import { gradients, matmul, type Tensor } from "@tensortape/core";
import { describe, expect, test } from "vitest";
import {
  affine,
  column,
  constant,
  expectClose,
  expectDisagrees,
  labels,
  leaf,
  mat,
  meanOf,
  oneHot,
  sigmoid,
  type Vec,
  vec,
} from "./by-hand.js";

/** σ'(z) = σ(z)(1 − σ(z)), the derivative of the note's sigmoid σ(x) = 1/(1 + e^−x). */
const sigmoidPrime = (z: number) => sigmoid(z) * (1 - sigmoid(z));

describe("note 002: single node layers, one training example, C0 = (a^L − y)²", () => {
  // (1) C0 = (a^L − y)²  (2) a^L = σ(z^L)  (3) z^L = w^L·a^(L−1) + b^L, for L = 1..4.
  const depth = 4;

  /** The per-example gradients by hand: the last layer, then "keep going until you hit w^1". */
  function byHand(w: Vec, b: Vec, x: number, y: number) {
    const a = [x];
    const z: number[] = [];
    for (let L = 0; L < depth; L++) {
      z.push(w[L]! * a[L]! + b[L]!);
      a.push(sigmoid(z[L]!));
    }
    const dw = new Array<number>(depth);
    const db = new Array<number>(depth);
    // ∂C0/∂a^L = 2(a^L − y)
    let dC0da = 2 * (a[depth]! - y);
    for (let L = depth - 1; L >= 0; L--) {
      // ∂C0/∂w^L = a^(L−1)·σ'(z^L)·∂C0/∂a^L
      dw[L] = a[L]! * sigmoidPrime(z[L]!) * dC0da;
      // ∂C0/∂b^L = 1·σ'(z^L)·∂C0/∂a^L
      db[L] = 1 * sigmoidPrime(z[L]!) * dC0da;
      // ∂C0/∂a^(L−1) = w^L·σ'(z^L)·∂C0/∂a^L
      dC0da = w[L]! * sigmoidPrime(z[L]!) * dC0da;
    }
    return { dw, db, dx: dC0da };
  }

  /** The same chain with the library: scalar w^L, b^L broadcast over a batch of inputs x. */
  function chain(wT: Tensor[], bT: Tensor[], x: Tensor): Tensor {
    let a = x;
    for (let L = 0; L < depth; L++) a = wT[L]!.mul(a).add(bT[L]!).sigmoid();
    return a;
  }

  const params = () => ({
    wT: Array.from({ length: depth }, (_, L) => leaf([], 200 + L, -3, 3)),
    bT: Array.from({ length: depth }, (_, L) => leaf([], 210 + L)),
  });

  test("∂C0/∂w^L = a^(L−1)·σ'(z^L)·2(a^L − y), ∂C0/∂b^L, ∂C0/∂a^(L−1), back to w^1", () => {
    const { wT, bT } = params();
    const xT = leaf([], 220);
    const y = 0.8;
    const { dw, db, dx } = byHand(
      wT.map((t) => t.item()),
      bT.map((t) => t.item()),
      xT.item(),
      y,
    );

    const C0 = chain(wT, bT, xT).sub(y).pow(2);
    const grads = gradients(C0, [...wT, ...bT, xT]);
    for (let L = 0; L < depth; L++) {
      expectClose(grads[L]!, dw[L]!);
      expectClose(grads[depth + L]!, db[L]!);
    }
    expectClose(grads[2 * depth]!, dx);
  });

  test("over all training examples: ∂C/∂w^L = (1/n) Σ_k ∂C_k/∂w^L; mini-batches likewise", () => {
    const n = 8;
    const { wT, bT } = params();
    const x = vec(leaf([n], 230));
    const y = vec(leaf([n], 231, 0, 1));
    const perExample = x.map((xk, k) =>
      byHand(
        wT.map((t) => t.item()),
        bT.map((t) => t.item()),
        xk,
        y[k]!,
      ),
    );

    // C = (1/n) Σ_k C_k over the whole set.
    const C = chain(wT, bT, constant(x)).sub(constant(y)).pow(2).mean();
    const grads = gradients(C, [...wT, ...bT]);
    const meanDw = meanOf(perExample.map((g) => g.dw));
    const meanDb = meanOf(perExample.map((g) => g.db));
    for (let L = 0; L < depth; L++) {
      expectClose(grads[L]!, meanDw[L]!);
      expectClose(grads[depth + L]!, meanDb[L]!);
    }

    // "Stochastic": split the examples into mini-batches; each step uses its batch's mean.
    for (const [start, end] of [
      [0, 3],
      [3, 8],
    ] as const) {
      const batch = chain(wT, bT, constant(x.slice(start, end)))
        .sub(constant(y.slice(start, end)))
        .pow(2)
        .mean();
      const [gw1] = gradients(batch, [wT[0]!]);
      expectClose(gw1!, meanOf(perExample.slice(start, end).map((g) => g.dw))[0]!);
    }
  });
});

describe("note 002: multi-neuron layers on the 784→16→16→10 MNIST net", () => {
  test("∂C0/∂w_jk = a_k^(L−1)·σ'(z_j)·∂C0/∂a_j and ∂C0/∂a_k^(L−1) = Σ_j w_jk·σ'(z_j)·∂C0/∂a_j", () => {
    const sizes = [784, 16, 16, 10];
    const xT = leaf([784, 1], 240, 0, 1);
    const WT = [1, 2, 3].map((l) =>
      leaf(
        [sizes[l]!, sizes[l - 1]!],
        240 + l,
        -4 / Math.sqrt(sizes[l - 1]!),
        4 / Math.sqrt(sizes[l - 1]!),
      ),
    );
    const bT = [1, 2, 3].map((l) => leaf([sizes[l]!, 1], 250 + l));
    const y = oneHot(labels(1, 10, 255)[0]!, 10);

    // By hand. Forward: a^(l) = σ(W^(l)·a^(l−1) + b^(l)) in the note's matrix form.
    const W = WT.map(mat);
    const a: Vec[] = [vec(xT)];
    const z: Vec[] = [];
    for (let l = 0; l < 3; l++) {
      z.push(affine(W[l]!, a[l]!, vec(bT[l]!)));
      a.push(z[l]!.map(sigmoid));
    }
    // C0 = Σ_j (a_j^L − y_j)², so ∂C0/∂a_j^L = 2(a_j^L − y_j).
    const dCda: Vec[] = [];
    dCda[3] = a[3]!.map((aj, j) => 2 * (aj - y[j]!));
    // ∂C/∂a_k^(l) = Σ_j w_jk^(l+1)·σ'(z_j^(l+1))·∂C/∂a_j^(l+1): the sum, because a_k^(l) feeds
    // every neuron of layer l+1.
    for (let l = 2; l >= 0; l--) {
      dCda[l] = a[l]!.map((_, k) =>
        z[l]!.reduce((s, zj, j) => s + W[l]![j]![k]! * sigmoidPrime(zj) * dCda[l + 1]![j]!, 0),
      );
    }
    // ∂C/∂w_jk^(l) = a_k^(l−1)·σ'(z_j^(l))·∂C/∂a_j^(l) and ∂C/∂b_j^(l) = σ'(z_j^(l))·∂C/∂a_j^(l)
    const dCdW = z.map((zl, l) =>
      zl.map((zj, j) => a[l]!.map((ak) => ak * sigmoidPrime(zj) * dCda[l + 1]![j]!)),
    );
    const dCdb = z.map((zl, l) => zl.map((zj, j) => sigmoidPrime(zj) * dCda[l + 1]![j]!));

    // By the backward pass, on column vectors: σ([16, 784]·[784, 1] + [16, 1]) → [16, 1].
    const aT: Tensor[] = [xT];
    for (let l = 0; l < 3; l++) aT.push(matmul(WT[l]!, aT[l]!).add(bT[l]!).sigmoid());
    const C0 = aT[3]!
      .sub(constant(column(y)))
      .pow(2)
      .sum();
    const grads = gradients(C0, [...WT, ...bT, ...aT]);
    for (let l = 0; l < 3; l++) {
      expectClose(grads[l]!, dCdW[l]!);
      expectClose(grads[3 + l]!, column(dCdb[l]!));
    }
    for (let l = 0; l <= 3; l++) expectClose(grads[6 + l]!, column(dCda[l]!));
    expect(Math.max(...dCdW[0]!.flat().map(Math.abs))).toBeGreaterThan(1e-6);
  });
});

describe("note 002: why the sum?", () => {
  test("a_k^(L−1) feeds every neuron of layer L, so ∂C0/∂a_k^(L−1) adds a term per neuron", () => {
    // "the previous activation a_k^(L−1) not only influences a_0^L but also every other node in
    // layer L". Here each neuron z_j^L = Σ_k w_jk^L a_k^(L−1) + b_j^L is its own op reading
    // a^(L−1), so the Σ_j is the backward pass adding the gradients arriving along each path.
    const aPrevT = leaf([5], 260, 0, 1);
    const WT = leaf([3, 5], 261, -2, 2);
    const bT = leaf([3], 262);
    const y = vec(leaf([3], 263, 0, 1));
    const w = mat(WT);
    const z = affine(w, vec(aPrevT), vec(bT));
    const dC0da = z.map((zj, j) => 2 * (sigmoid(zj) - y[j]!));
    const dC0daPrev = vec(aPrevT).map((_, k) =>
      z.reduce((s, zj, j) => s + w[j]![k]! * sigmoidPrime(zj) * dC0da[j]!, 0),
    );
    // Only the j = 0 term, as if a_k^(L−1) fed a_0^L alone.
    const firstNeuronOnly = vec(aPrevT).map((_, k) => w[0]![k]! * sigmoidPrime(z[0]!) * dC0da[0]!);

    const neurons = mat(WT).map((row, j) =>
      constant(row)
        .mul(aPrevT)
        .sum()
        .add(bT.slice([j], [j + 1]).reshape([]))
        .sigmoid(),
    );
    const C0 = neurons.reduce<Tensor>((acc, aj, j) => acc.add(aj.sub(y[j]!).pow(2)), constant(0));
    const [gaPrev] = gradients(C0, [aPrevT]);
    expectClose(gaPrev!, dC0daPrev);
    expectDisagrees(gaPrev!, firstNeuronOnly);
  });
});
