// Note 003_5f5ac88d68b865dc.txt: the index form z_j^l = Σ_k W_jk^l a_k^(l−1) + b_j^l with
// ∂L/∂W_jk = d_j·a_k and ∂L/∂b_j = d_j; the output error d^F from the loss; the recursion
// d^l = (W^(l+1))ᵀ d^(l+1) ⊙ σ'(z^l); L = ½‖y − a^F‖² with ∂L/∂a_k = −(y_k − a_k); and the
// batch loss L_T = (1/n) Σ_i L_i with its mean gradient.
import { gradients, matmul, type Tensor } from "@tensortape/core";
import { describe, test } from "vitest";
import {
  affine,
  constant,
  expectClose,
  expectDisagrees,
  jacobian,
  leaf,
  type Mat,
  mat,
  matVec,
  meanOf,
  outer,
  sigmoid,
  softmax,
  transpose,
  type Vec,
  vec,
  zipWith,
} from "./by-hand.js";

const sigmoidPrime = (z: number) => sigmoid(z) * (1 - sigmoid(z));
const sizes = [6, 5, 4, 3];

/** A 6→5→4→3 net with sigmoid hidden layers and the given output activation. */
function makeNet(seed: number) {
  return [1, 2, 3].map((l) => ({
    W: leaf([sizes[l]!, sizes[l - 1]!], seed + l, -1.5, 1.5),
    b: leaf([sizes[l]!], seed + 10 + l),
  }));
}

const outputs = [
  {
    name: "sigmoid output",
    activate: (z: Vec) => z.map(sigmoid),
    // ∂a_k^F/∂z_j^F = σ'(z_j) if k = j, else 0
    partial: (z: Vec, k: number, j: number) => (k === j ? sigmoidPrime(z[j]!) : 0),
    activateT: (z: Tensor) => z.sigmoid(),
  },
  {
    name: "softmax output",
    activate: softmax,
    // ∂a_k^F/∂z_j^F = a_k(δ_kj − a_j): every output depends on every z_j
    partial: (z: Vec, k: number, j: number) => {
      const a = softmax(z);
      return a[k]! * ((k === j ? 1 : 0) - a[j]!);
    },
    activateT: (z: Tensor) => z.softmax(),
  },
];
type Output = (typeof outputs)[number];

/** Backpropagation for one example, written as note 003 writes it. */
function backprop(net: { W: Mat; b: Vec }[], output: Output, x: Vec, y: Vec) {
  const F = net.length - 1;
  const a: Vec[] = [x];
  const z: Vec[] = [];
  for (const [l, { W, b }] of net.entries()) {
    // z_j^l = (Σ_k W_jk^l a_k^(l−1)) + b_j^l
    z.push(affine(W, a[l]!, b));
    a.push(l === F ? output.activate(z[l]!) : z[l]!.map(sigmoid));
  }
  // L = ½‖y − a^F‖², so ∂L/∂a_k^F = ½·(−2)·(y_k − a_k^F) = −(y_k − a_k^F)
  const dLda = a[F + 1]!.map((ak, k) => -(y[k]! - ak));
  // d_j^F = ∂L/∂z_j^F = Σ_k ∂L/∂a_k^F·∂a_k^F/∂z_j^F
  const d: Vec[] = [];
  d[F] = z[F]!.map((_, j) => dLda.reduce((s, g, k) => s + g * output.partial(z[F]!, k, j), 0));
  // d^l = (W^(l+1))ᵀ d^(l+1) ⊙ σ'(z^l)
  for (let l = F - 1; l >= 0; l--) {
    d[l] = zipWith(
      matVec(transpose(net[l + 1]!.W), d[l + 1]!),
      z[l]!.map(sigmoidPrime),
      (p, q) => p * q,
    );
  }
  return {
    a,
    d,
    dLda,
    // ∂L/∂W_jk = d_j·a_k^(l−1), ∂L/∂b_j = d_j
    dW: d.map((dl, l) => outer(dl, a[l]!)),
    db: d,
  };
}

/** The same net with the library, examples as rows: Z = A·Wᵀ + b. */
function forward(net: { W: Tensor; b: Tensor }[], output: Output, x: Tensor) {
  const z: Tensor[] = [];
  let a = x;
  for (const [l, { W, b }] of net.entries()) {
    z.push(matmul(a, W, { transB: true }).add(b));
    a = l === net.length - 1 ? output.activateT(z[l]!) : z[l]!.sigmoid();
  }
  return { z, a };
}

describe("note 003: one example, L = ½‖y − a^F‖²", () => {
  test.each(outputs)(
    "$name: ∂L/∂a_k, d^F, the recursion for d^l, ∂L/∂W_jk = d_j·a_k, ∂L/∂b_j = d_j",
    (output) => {
      const netT = makeNet(300);
      const net = netT.map(({ W, b }) => ({ W: mat(W), b: vec(b) }));
      const x = vec(leaf([6], 320));
      const y = vec(leaf([3], 321, 0, 1));
      const { a, d, dLda, dW, db } = backprop(net, output, x, y);

      const { z: zT, a: aF } = forward(netT, output, constant([x]));
      const L = constant([y]).sub(aF).pow(2).sum().mul(0.5);
      const [gaF, ...gz] = gradients(L, [aF, ...zT], undefined, { retainGraph: true });
      L.backward();
      expectClose(gaF!, [dLda]);
      for (const [l, { W, b }] of netT.entries()) {
        expectClose(gz[l]!, [d[l]!]);
        expectClose(W.grad, dW[l]!);
        expectClose(b.grad, db[l]!);
      }

      // The note writes ∂L/∂w_jk = d_j^L·a_j^(L−1): an index slip (a_j for a_k). Taken literally
      // it would make every column of the output layer's gradient the same; it is d_j·a_k.
      const F = net.length - 1;
      const noteLiteral: Mat = d[F]!.map((dj, j) => a[F]!.map(() => dj * a[F]![j]!));
      expectDisagrees(netT[F]!.W.grad, noteLiteral);
    },
  );

  test("∂z_k^(l+1)/∂z_j^l = W_kj^(l+1)·σ'(z_j^l): the Jacobian behind the recursion", () => {
    const W = leaf([4, 5], 330, -1.5, 1.5);
    const b = leaf([4], 331);
    const zl = leaf([5], 332, -3, 3);
    const byHand: Mat = mat(W).map((row) => row.map((Wkj, j) => Wkj * sigmoidPrime(vec(zl)[j]!)));
    const next = (z: Tensor) =>
      matmul(W, z.sigmoid().reshape([5, 1]))
        .reshape([4])
        .add(b);
    expectClose(constant(jacobian(next, zl)), byHand);
  });

  test("½‖y − a‖² written out: the note's ½√(Σ_k (y_k − a_k)²) drops the square", () => {
    // The note's third line reads ½(√((y_1 − a_1)² + … + (y_K − a_K)²)), that is ½‖y − a‖,
    // before the next line continues with ½[(y_1 − a_1)² + …], the right ½‖y − a‖². The
    // literal line's gradient, (a_k − y_k)/(2‖y − a‖), is not the note's result a_k − y_k.
    const a = leaf([4], 340, 0, 1);
    const y = vec(leaf([4], 341, 0, 1));
    const norm = Math.sqrt(vec(a).reduce((s, ak, k) => s + (y[k]! - ak) ** 2, 0));
    constant(y).sub(a).pow(2).sum().mul(0.5).backward();
    expectClose(
      a.grad,
      vec(a).map((ak, k) => ak - y[k]!),
    );
    expectDisagrees(
      a.grad,
      vec(a).map((ak, k) => (ak - y[k]!) / (2 * norm)),
    );
  });
});

describe("note 003: a batch, L_T = (1/n) Σ_i L_i", () => {
  test.each(outputs)("$name: ∂L_T/∂b = (1/n) Σ_i ∂L_i/∂b, and likewise for W", (output) => {
    const n = 5;
    const netT = makeNet(350);
    const net = netT.map(({ W, b }) => ({ W: mat(W), b: vec(b) }));
    const X = mat(leaf([n, 6], 370));
    const Y = mat(leaf([n, 3], 371, 0, 1));
    const perExample = X.map((x, i) => backprop(net, output, x, Y[i]!));

    const { a: aF } = forward(netT, output, constant(X));
    constant(Y).sub(aF).pow(2).sum(1).mul(0.5).mean().backward();
    for (const [l, { W, b }] of netT.entries()) {
      expectClose(W.grad, meanOf(perExample.map((g) => g.dW[l]!)));
      expectClose(b.grad, meanOf(perExample.map((g) => g.db[l]!)));
    }
  });
});
