// Note 001_5284a5eb5d1671ce.txt: notation (W^L, B^L, A^L, z, d^L = ∂E/∂z^L), the chain-rule
// recursion ∂E/∂z_i(l) = σ'(z_i)·Σ_k w_ki(l+1)·∂E/∂z_k(l+1) with ∂E/∂w_ij = a_j(l−1)·∂E/∂z_i,
// the activation partials (ReLU, sigmoid as e^−z/(1+e^−z)², softmax as a_j(δ_ij − a_i)) and
// the loss partials (cross-entropy −y_j/a_j, MSE 2(a_j − y_j)).
import { gradients, matmul, type Tensor } from "@tensortape/core";
import { describe, test } from "vitest";
import {
  affine,
  constant,
  expectAwayFromKink,
  expectClose,
  jacobian,
  leaf,
  type Mat,
  mat,
  oneHot,
  outer,
  relu,
  sigmoid,
  softmax,
  type Vec,
  vec,
} from "./by-hand.js";

// The note's activation partials, as it writes them.
/** ReLU: ∂a/∂z = 1 if a > 0, 0 otherwise. */
const reluPartial = (a: number) => (a > 0 ? 1 : 0);
/** S(z): ∂a/∂z = e^−z / (1 + e^−z)². */
const sigmoidPartial = (z: number) => Math.exp(-z) / (1 + Math.exp(-z)) ** 2;
/** SM(Z): ∂a_j/∂z_i = a_j(δ_ij − a_i). */
const softmaxPartial = (a: Vec, i: number, j: number) => a[j]! * ((i === j ? 1 : 0) - a[i]!);

describe("note 001: activation partials", () => {
  test("ReLU: ∂a/∂z = 1 if a > 0, 0 otherwise (a diagonal Jacobian)", () => {
    const z = leaf([8], 100, -2, 2);
    const a = vec(z).map(relu);
    expectAwayFromKink(vec(z));
    const byHand: Mat = a.map((ai, i) => a.map((_, j) => (i === j ? reluPartial(ai) : 0)));
    expectClose(constant(jacobian((x) => x.relu(), z)), byHand);
  });

  test("sigmoid S(z): ∂a/∂z = e^−z / (1 + e^−z)², which is also a(1 − a)", () => {
    const z = leaf([7], 101, -5, 5);
    const byHand: Mat = vec(z).map((zi, i) =>
      vec(z).map((_, j) => (i === j ? sigmoidPartial(zi) : 0)),
    );
    expectClose(constant(jacobian((x) => x.sigmoid(), z)), byHand);
    const a = vec(z).map(sigmoid);
    expectClose(constant(a.map((ai) => ai * (1 - ai))), vec(z).map(sigmoidPartial));
  });

  test("softmax SM(Z): the full Jacobian ∂a_j/∂z_i = a_j(δ_ij − a_i)", () => {
    // The note lists i = j (a_j(1 − a_j)) and i < j (a_j(0 − a_i)); a_j(δ_ij − a_i) covers every
    // i, j. The note's matrix has rows i (z_i) and columns j (a_j): the transpose of ∂a/∂z.
    const z = leaf([5], 102, -2, 2);
    const a = softmax(vec(z));
    const noteMatrix: Mat = a.map((_, i) => a.map((_, j) => softmaxPartial(a, i, j)));
    const dadz = jacobian((x) => x.softmax(), z); // dadz[j][i] = ∂a_j/∂z_i
    const transposed = noteMatrix.map((_, i) => noteMatrix.map((_, j) => dadz[j]![i]!));
    expectClose(constant(transposed), noteMatrix);
  });
});

describe("note 001: the chain-rule recursion through a 5→4→4→3 net", () => {
  // A^0 input; layer 1 sigmoid, layer 2 ReLU, layer 3 (= N) softmax; E(A^N, Y) from the note's
  // loss partials. d^L = ∂E/∂z^L.
  const losses = [
    {
      name: "cross-entropy, ∂E/∂a_j = −y_j/a_j",
      E: (a: Tensor, y: Tensor) => y.mul(a.log()).sum().neg(),
      dEda: (a: Vec, y: Vec) => a.map((aj, j) => -y[j]! / aj),
    },
    {
      name: "MSE, ∂E/∂a_j = 2(a_j − y_j)",
      E: (a: Tensor, y: Tensor) => a.sub(y).pow(2).sum(),
      dEda: (a: Vec, y: Vec) => a.map((aj, j) => 2 * (aj - y[j]!)),
    },
  ];

  test.each(losses)("$name", ({ E, dEda }) => {
    const sizes = [5, 4, 4, 3];
    const A0T = leaf([5], 130);
    const WT = [1, 2, 3].map((L) => leaf([sizes[L]!, sizes[L - 1]!], 130 + L, -1.5, 1.5));
    const BT = [1, 2, 3].map((L) => leaf([sizes[L]!], 140 + L, -0.5, 0.5));
    const y = oneHot(2, 3);

    // By hand. Forward: z^L = W^L·A^(L−1) + B^L.
    const W = WT.map(mat);
    const z1 = affine(W[0]!, vec(A0T), vec(BT[0]!));
    const a1 = z1.map(sigmoid);
    const z2 = affine(W[1]!, a1, vec(BT[1]!));
    const a2 = z2.map(relu);
    const z3 = affine(W[2]!, a2, vec(BT[2]!));
    const a3 = softmax(z3);
    // Output layer: [∂E/∂z_i] = [∂a_j/∂z_i]·[∂E/∂a_j], the note's matrix-vector product.
    const dEda3 = dEda(a3, y);
    const d3 = a3.map((_, i) =>
      a3.reduce((s, _aj, j) => s + softmaxPartial(a3, i, j) * dEda3[j]!, 0),
    );
    // ∂E/∂z_i^l = ∂a_i^l/∂z_i^l · Σ_k w_ki^(l+1)·∂E/∂z_k^(l+1)
    const d2 = a2.map(
      (ai, i) => reluPartial(ai) * d3.reduce((s, dk, k) => s + W[2]![k]![i]! * dk, 0),
    );
    const d1 = z1.map(
      (zi, i) => sigmoidPartial(zi) * d2.reduce((s, dk, k) => s + W[1]![k]![i]! * dk, 0),
    );
    // ∂E/∂w_ij^x = a_j^(x−1)·∂E/∂z_i^x
    const dEdW = [outer(d1, vec(A0T)), outer(d2, a1), outer(d3, a2)];

    // By the backward pass.
    const layer = (W: Tensor, A: Tensor, B: Tensor) =>
      matmul(W, A.reshape([A.size, 1]))
        .reshape([B.size])
        .add(B);
    const z1T = layer(WT[0]!, A0T, BT[0]!);
    const z2T = layer(WT[1]!, z1T.sigmoid(), BT[1]!);
    const z3T = layer(WT[2]!, z2T.relu(), BT[2]!);
    const a3T = z3T.softmax();
    const [ga3, g3, g2, g1, ...gW] = gradients(E(a3T, constant(y)), [a3T, z3T, z2T, z1T, ...WT]);

    expectAwayFromKink(z2);
    expectClose(ga3!, dEda3);
    expectClose(g3!, d3);
    expectClose(g2!, d2);
    expectClose(g1!, d1);
    for (const [x, dW] of dEdW.entries()) expectClose(gW[x]!, dW);
  });
});
