// Note 004_eac500d54ffa316b.txt: the multivariable chain rule; a one-hidden-layer ReLU net
// with a scalar output and J = ½(y − o)² (every boxed formula); the same net with c classes
// and softmax cross-entropy, where the note swaps the two cases of ∂J/∂s; the batched form
// with examples as columns; and the "in practice" form with examples as rows.
import { gradients, matmul, stack, type Tensor, tensor } from "@tensortape/core";
import { describe, expect, test } from "vitest";
import {
  column,
  constant,
  expectAwayFromKink,
  expectClose,
  expectDisagrees,
  jacobian,
  labels,
  leaf,
  type Mat,
  mapAll,
  mat,
  matMul,
  oneHot,
  ones,
  relu,
  reluPrime,
  sigmoid,
  softmax,
  transpose,
  vec,
  zipWith,
} from "./by-hand.js";

const d = 5;
const m = 6;
const c = 4;

/** J = −(1/n) Σ_i log p_{y(i)} for logits S [c, n], one column per example, from core ops. */
function crossEntropyColumns(S: Tensor, y: number[]): Tensor {
  return S.logSoftmax(0)
    .gather(0, tensor([y], { dtype: "int32" }))
    .mean()
    .neg();
}

describe("note 004: the multivariable chain rule", () => {
  test("∂J/∂θ_i = Σ_j ∂J/∂g_j·∂g_j/∂θ_i", () => {
    // g_j(θ) = σ(Σ_i A_ji θ_i) for j = 1..3, and J(g) = Σ_j c_j g_j².
    const A = mat(leaf([3, 4], 400, -2, 2));
    const cs = vec(leaf([3], 401));
    const theta = leaf([4], 402);
    const g = A.map((row) => sigmoid(row.reduce((s, Aji, i) => s + Aji * vec(theta)[i]!, 0)));
    const dJdg = g.map((gj, j) => 2 * cs[j]! * gj);
    const dgdtheta: Mat = g.map((gj, j) => A[j]!.map((Aji) => gj * (1 - gj) * Aji));
    const dJdtheta = vec(theta).map((_, i) =>
      g.reduce((s, _gj, j) => s + dJdg[j]! * dgdtheta[j]![i]!, 0),
    );

    // Each g_j is its own op reading θ, so θ reaches J along three paths: the sum over j is
    // the backward pass adding up the gradients that arrive along each.
    const G = (t: Tensor) => stack(A.map((row) => constant(row).mul(t).sum().sigmoid()));
    const gT = G(theta);
    const J = constant(cs).mul(gT.pow(2)).sum();
    const [gJg, gJtheta] = gradients(J, [gT, theta]);
    expectClose(gJg!, dJdg);
    expectClose(gJtheta!, dJdtheta);
    expectClose(constant(jacobian(G, theta)), dgdtheta);
  });
});

/** One example as columns: x [d, 1], z = W1·x + b1 [m, 1], a = ReLU(z), out = W2·a + b2. */
function columnNet(outputs: number, seed: number) {
  const xT = leaf([d, 1], seed);
  const W1T = leaf([m, d], seed + 1, -1.5, 1.5);
  const b1T = leaf([m, 1], seed + 2);
  const W2T = leaf([outputs, m], seed + 3, -1.5, 1.5);
  const b2T = leaf([outputs, 1], seed + 4);
  // By hand.
  const [x, W1, b1, W2, b2] = [xT, W1T, b1T, W2T, b2T].map(mat) as [Mat, Mat, Mat, Mat, Mat];
  const z = zipWith(matMul(W1, x), b1, (p, q) => p + q);
  const a = mapAll(z, relu);
  const out = zipWith(matMul(W2, a), b2, (p, q) => p + q);
  // By the library.
  const zT = matmul(W1T, xT).add(b1T);
  const aT = zT.relu();
  const outT = matmul(W2T, aT).add(b2T);
  return { x, W1, W2, z, a, out, xT, W1T, b1T, W2T, b2T, zT, aT, outT };
}

describe("note 004: one hidden ReLU layer, scalar output, J = ½(y − o)²", () => {
  test("every boxed formula: ∂J/∂W2, ∂J/∂b2, ∂J/∂a, ∂J/∂z, ∂J/∂W1, ∂J/∂b1", () => {
    const net = columnNet(1, 415);
    const y = 0.3;
    const o = net.out[0]![0]!;
    // ∂J/∂W_i^(2) = (o − y)·a_i, so ∂J/∂W^(2) = (o − y)·aᵀ (1 × m)
    const dJdW2: Mat = [net.a.map(([ai]) => (o - y) * ai!)];
    // ∂J/∂b^(2) = o − y
    const dJdb2: Mat = [[o - y]];
    // ∂J/∂a = W^(2)ᵀ·(o − y) (m × 1)
    const dJda: Mat = transpose(net.W2).map(([w]) => [w! * (o - y)]);
    // ∂J/∂z = ∂J/∂a ⊙ ReLU'(z), with ReLU'(z_i) = 1{z_i > 0}
    const dJdz = zipWith(dJda, mapAll(net.z, reluPrime), (p, q) => p * q);
    // ∂J/∂W^(1) = ∂J/∂z·xᵀ (m × d) and ∂J/∂b^(1) = ∂J/∂z
    const dJdW1 = matMul(dJdz, transpose(net.x));

    const J = constant([[y]])
      .sub(net.outT)
      .pow(2)
      .mul(0.5)
      .sum();
    const [ga, gz] = gradients(J, [net.aT, net.zT], undefined, { retainGraph: true });
    J.backward();
    expectAwayFromKink(net.z);
    expectClose(net.W2T.grad, dJdW2);
    expectClose(net.b2T.grad, dJdb2);
    expectClose(ga!, dJda);
    expectClose(gz!, dJdz);
    expectClose(net.W1T.grad, dJdW1);
    expectClose(net.b1T.grad, dJdz);
  });
});

describe("note 004: c classes, softmax cross-entropy J = −log p_y", () => {
  test("Alg 3: δ2 = ∂J/∂s = p − onehot(y), δ1 = (W2ᵀδ2) ⊙ relu'(z), and the four gradients", () => {
    const net = columnNet(c, 420);
    const y = 2;
    const p = softmax(net.out.map(([s]) => s!));
    // ∂J/∂s_k = p_k − 1 if k = y, p_k otherwise: δ2 = p − onehot(y)
    const delta2 = column(p.map((pk, k) => pk - oneHot(y, c)[k]!));
    // The note writes the cases swapped (p_k if k = y, p_k − 1 if k ≠ y) and flags it "check
    // Typo". Taken literally that is wrong, as the check below shows.
    const noteLiteral = column(p.map((pk, k) => (k === y ? pk : pk - 1)));
    // ∂J/∂a = W^(2)ᵀ·∂J/∂s, then δ1 = ∂J/∂a ⊙ relu'(z)
    const dJda = matMul(transpose(net.W2), delta2);
    const delta1 = zipWith(dJda, mapAll(net.z, reluPrime), (q, r) => q * r);

    const J = crossEntropyColumns(net.outT, [y]);
    const [gs, ga] = gradients(J, [net.outT, net.aT], undefined, { retainGraph: true });
    J.backward();
    expectAwayFromKink(net.z);
    expectClose(gs!, delta2);
    expectDisagrees(gs!, noteLiteral);
    expectClose(ga!, dJda);
    // ∂J/∂W^(2) = δ2·aᵀ, ∂J/∂b^(2) = δ2, ∂J/∂W^(1) = δ1·xᵀ, ∂J/∂b^(1) = δ1
    expectClose(net.W2T.grad, matMul(delta2, transpose(net.a)));
    expectClose(net.b2T.grad, delta2);
    expectClose(net.W1T.grad, matMul(delta1, transpose(net.x)));
    expectClose(net.b1T.grad, delta1);
  });
});

describe("note 004: a batch of n examples", () => {
  const n = 7;
  const y = labels(n, c, 430);

  test("as columns: Z = W1·X + b1·1ᵀ, ∂J/∂S = (P − Y)/n, ∂J/∂b = δ·1 sums over the batch", () => {
    const XT = leaf([d, n], 431);
    const W1T = leaf([m, d], 432, -1.5, 1.5);
    const b1T = leaf([m, 1], 433);
    const W2T = leaf([c, m], 434, -1.5, 1.5);
    const b2T = leaf([c, 1], 435);
    const [X, W1, b1, W2, b2] = [XT, W1T, b1T, W2T, b2T].map(mat) as [Mat, Mat, Mat, Mat, Mat];
    const onesRow: Mat = [ones(n)];

    // By hand. Z = W^(1)·X + b^(1)·1_nᵀ (m × n), A = ReLU(Z), S = W^(2)·A + b^(2)·1_nᵀ (c × n).
    const Z = zipWith(matMul(W1, X), matMul(b1, onesRow), (p, q) => p + q);
    const A = mapAll(Z, relu);
    const S = zipWith(matMul(W2, A), matMul(b2, onesRow), (p, q) => p + q);
    const P = transpose(transpose(S).map(softmax)); // softmax down each column
    // ∂J/∂S_ki = p_k/n if k ≠ y^(i), (p_k − 1)/n if k = y^(i) (class k, example i): (P − Y)/n.
    const delta2 = P.map((row, k) => row.map((pki, i) => (k === y[i] ? pki - 1 : pki) / n));
    // ∂J/∂A = W^(2)ᵀ·∂J/∂S, δ1 = ∂J/∂Z = ∂J/∂A ⊙ ReLU'(Z)
    const dJdA = matMul(transpose(W2), delta2);
    const delta1 = zipWith(dJdA, mapAll(Z, reluPrime), (p, q) => p * q);
    const onesCol = column(ones(n));

    // By the backward pass; b1 and b2 broadcast over the columns.
    const ZT = matmul(W1T, XT).add(b1T);
    const AT = ZT.relu();
    const ST = matmul(W2T, AT).add(b2T);
    const J = crossEntropyColumns(ST, y);
    const [gS, gA, gZ] = gradients(J, [ST, AT, ZT], undefined, { retainGraph: true });
    J.backward();

    expectAwayFromKink(Z);
    expectClose(gS!, delta2);
    expectClose(gA!, dJdA);
    expectClose(gZ!, delta1);
    // ∂J/∂W^(2) = δ2·Aᵀ, ∂J/∂b^(2) = δ2·1_n, ∂J/∂W^(1) = δ1·Xᵀ, ∂J/∂b^(1) = δ1·1_n
    expectClose(W2T.grad, matMul(delta2, transpose(A)));
    expectClose(b2T.grad, matMul(delta2, onesCol));
    expectClose(W1T.grad, matMul(delta1, transpose(X)));
    expectClose(b1T.grad, matMul(delta1, onesCol));

    // The note's batched "Alg 3" box repeats the single-example lines ∂J/∂b^(2) = δ2 and
    // ∂J/∂b^(1) = δ1. With a batch δ2 is c × n while b^(2) is c × 1: the bias gradient is δ2·1_n,
    // the sum over the batch, as the note's own line ∂J/∂b^(2) = ∂J/∂S·1 above it says.
    expect(b2T.grad!.shape).toEqual([c, 1]);
    expectDisagrees(b2T.grad, delta2);
    expectDisagrees(b1T.grad, delta1);
  });

  test('as rows ("in practice"): Z = X·W1 + 1·b1, ∂J/∂W1 = Xᵀ·∂J/∂Z, ∂J/∂b = 1ᵀ·∂J/∂Z', () => {
    const XT = leaf([n, d], 441);
    const W1T = leaf([d, m], 442, -1.5, 1.5);
    const b1T = leaf([1, m], 443);
    const W2T = leaf([m, c], 444, -1.5, 1.5);
    const b2T = leaf([1, c], 445);
    const [X, W1, b1, W2, b2] = [XT, W1T, b1T, W2T, b2T].map(mat) as [Mat, Mat, Mat, Mat, Mat];
    const onesCol = column(ones(n));

    // By hand. Z = X·W^[1] + 1_n·b^[1] (n × m), A = ReLU(Z), S = A·W^[2] + 1_n·b^[2] (n × c).
    const Z = zipWith(matMul(X, W1), matMul(onesCol, b1), (p, q) => p + q);
    const A = mapAll(Z, relu);
    const S = zipWith(matMul(A, W2), matMul(onesCol, b2), (p, q) => p + q);
    // ∂J/∂S = (P − Y)/n, a row per example
    const dJdS: Mat = S.map((si, i) => softmax(si).map((pk, k) => (pk - oneHot(y[i]!, c)[k]!) / n));
    // ∂J/∂A = ∂J/∂S·W^[2]ᵀ and ∂J/∂Z = ∂J/∂A ⊙ ReLU'(Z)
    const dJdA = matMul(dJdS, transpose(W2));
    const dJdZ = zipWith(dJdA, mapAll(Z, reluPrime), (p, q) => p * q);
    const onesRow: Mat = [ones(n)];

    // By the backward pass, here through softmax then log (the column form used logSoftmax).
    const ZT = matmul(XT, W1T).add(b1T);
    const AT = ZT.relu();
    const ST = matmul(AT, W2T).add(b2T);
    const index = tensor(
      y.map((k) => [k]),
      { dtype: "int32" },
    );
    const J = ST.softmax(1).log().gather(1, index).mean().neg();
    const [gS, gA, gZ] = gradients(J, [ST, AT, ZT], undefined, { retainGraph: true });
    J.backward();

    expectAwayFromKink(Z);
    expectClose(gS!, dJdS);
    expectClose(gA!, dJdA);
    expectClose(gZ!, dJdZ);
    // ∂J/∂W^[2] = Aᵀ·∂J/∂S, ∂J/∂b^[2] = 1_nᵀ·∂J/∂S, ∂J/∂W^[1] = Xᵀ·∂J/∂Z, ∂J/∂b^[1] = 1_nᵀ·∂J/∂Z
    expectClose(W2T.grad, matMul(transpose(A), dJdS));
    expectClose(b2T.grad, matMul(onesRow, dJdS));
    expectClose(W1T.grad, matMul(transpose(X), dJdZ));
    expectClose(b1T.grad, matMul(onesRow, dJdZ));
  });
});
