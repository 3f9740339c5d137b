// Note 000_603c3528fb626b62.txt: one neuron per layer with ReLU and squared error, then
// "additional neurons" (several per layer); sigmoid' and the softmax Jacobian; softmax with
// cross-entropy (a − t) and with squared error (the full Jacobian sum); and the note's
// step-by-step per-layer algorithm on a 784→16→16→10 MNIST net (ReLU hidden layers, softmax
// output) over a batch.
import {
  gradients,
  matmul,
  sigmoid as sigmoidOp,
  softmax as softmaxOp,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import {
  affine,
  constant,
  expectAwayFromKink,
  expectClose,
  expectDisagrees,
  input,
  jacobian,
  labels,
  leaf,
  type Mat,
  mat,
  meanOf,
  oneHot,
  outer,
  relu,
  reluPrime,
  sigmoid,
  softmax,
  type Vec,
  vec,
} from "./by-hand.js";

describe("note 000: one neuron per layer, ReLU, C0 = (a(l) − y)²", () => {
  // z(l) = w(l)·a(l−1) + b(l), a(l) = ReLU(z(l));
  // z(l−1) = w(l−1)·a(l−2) + b(l−1), a(l−1) = ReLU(z(l−1)).
  // Inputs and weights in [0.1, 1]; the biases pick the sign of each pre-activation, at least
  // 0.1 from the kink (w·a ≤ 2 here), so that each case below is what its name says.
  const cases = [
    { name: "both pre-activations positive", bPrev: [0.1, 1], b: [0.1, 1] },
    { name: "z(l) < 0: ReLU'(z(l)) = 0 stops every gradient", bPrev: [0.1, 1], b: [-4, -3] },
    { name: "z(l−1) < 0: the layer further back gets nothing", bPrev: [-3, -2], b: [0.1, 1] },
  ] as const;

  test.each(cases)("$name", ({ bPrev: bPrevRange, b: bRange }) => {
    const aPrev2T = leaf([], 1, 0.1, 1);
    const wPrevT = leaf([], 2, 0.1, 1);
    const bPrevT = leaf([], 3, ...bPrevRange);
    const wT = leaf([], 4, 0.1, 1);
    const bT = leaf([], 5, ...bRange);
    const y = -0.5;

    // By hand.
    const [aPrev2, wPrev, bPrev, w, b] = [aPrev2T, wPrevT, bPrevT, wT, bT].map((t) => t.item());
    const zPrev = wPrev! * aPrev2! + bPrev!;
    const aPrev = relu(zPrev);
    const z = w! * aPrev + b!;
    const a = relu(z);
    // 1) ∂C0/∂a(l) = 2(a(l) − y)   2) ∂a(l)/∂z(l) = ReLU'(z(l))   3) ∂z(l)/∂w(l) = a(l−1)
    // ∂C0/∂w(l) = a(l−1)·ReLU'(z(l))·2(a(l) − y)
    const dC0dw = aPrev * reluPrime(z) * 2 * (a - y);
    // ∂C0/∂b(l) = 1·ReLU'(z(l))·2(a(l) − y)
    const dC0db = 1 * reluPrime(z) * 2 * (a - y);
    // ∂C0/∂a(l−1) = w(l)·ReLU'(z(l))·2(a(l) − y)
    const dC0daPrev = w! * reluPrime(z) * 2 * (a - y);
    // One layer further back, reusing ∂C0/∂a(l−1) "stored from earlier":
    // ∂C0/∂w(l−1) = a(l−2)·ReLU'(z(l−1))·w(l)·ReLU'(z(l))·2(a(l) − y)
    const dC0dwPrev = aPrev2! * reluPrime(zPrev) * w! * reluPrime(z) * 2 * (a - y);
    const dC0dbPrev = 1 * reluPrime(zPrev) * dC0daPrev;

    // By the backward pass.
    const aPrevT = wPrevT.mul(aPrev2T).add(bPrevT).relu();
    const C0 = wT.mul(aPrevT).add(bT).relu().sub(y).pow(2);
    const [gw, gb, gaPrev, gwPrev, gbPrev] = gradients(C0, [wT, bT, aPrevT, wPrevT, bPrevT]);
    expectClose(gw!, dC0dw);
    expectClose(gb!, dC0db);
    expectClose(gaPrev!, dC0daPrev);
    expectClose(gwPrev!, dC0dwPrev);
    expectClose(gbPrev!, dC0dbPrev);
  });
});

describe("note 000: activation derivatives", () => {
  test("sigmoid' = σ(z)(1 − σ(z)) = a(1 − a): the Jacobian of sigmoid is diag(a(1 − a))", () => {
    const z = leaf([7], 10, -4, 4);
    const a = vec(z).map(sigmoid);
    const byHand: Mat = a.map((ak, k) => a.map((_, j) => (k === j ? ak * (1 - ak) : 0)));
    expectClose(constant(jacobian(sigmoidOp, z)), byHand);
  });

  test("softmax Jacobian: ∂a_k/∂z_j = a_j(1 − a_j) if k = j, −a_j·a_k if k ≠ j", () => {
    const z = leaf([6], 11, -2, 2);
    const a = softmax(vec(z));
    const byHand: Mat = a.map((ak, k) => a.map((aj, j) => (k === j ? aj * (1 - aj) : -aj * ak)));
    const dadz = jacobian((x) => softmaxOp(x), z);
    expectClose(constant(dadz), byHand);
    // On the way there the note writes the quotient rule's result as
    // ∂a_k/∂z_k = (e^{z_k}/Σ_j e^{z_j})·[Σ_j e^{z_j}]², a slip: the diagonal is a_k(1 − a_k).
    const sumExp = vec(z).reduce((s, zj) => s + Math.exp(zj), 0);
    const diagonal = constant(dadz.map((row, k) => row[k]!));
    expectClose(
      diagonal,
      a.map((ak) => ak * (1 - ak)),
    );
    expectDisagrees(
      diagonal,
      a.map((ak) => ak * sumExp ** 2),
    );
  });
});

describe("note 000: additional neurons, ReLU layers and C0 = Σ_k (a_k(L) − y_k)²", () => {
  test("∂C0/∂W_kj(L), ∂C0/∂b_k(L), ∂C0/∂a_j(L−1) summed over k, then b(L−1) and a(L−2)", () => {
    // a(L−2) [5] → ReLU layer L−1 [4] → ReLU layer L [3], C0 = Σ_k (a_k(L) − y_k)².
    const aL2T = leaf([5], 12, 0, 1);
    const WL1T = leaf([4, 5], 13, -1.5, 1.5);
    const bL1T = leaf([4], 14);
    const WLT = leaf([3, 4], 15, -1.5, 1.5);
    const bLT = leaf([3], 16);
    const y = [0.5, -0.2, 1];

    const [aL2, WL1, WL] = [vec(aL2T), mat(WL1T), mat(WLT)];
    const zL1 = affine(WL1, aL2, vec(bL1T));
    const aL1 = zL1.map(relu);
    const zL = affine(WL, aL1, vec(bLT));
    const aL = zL.map(relu);
    // ∂C0/∂W_kj(L) = a_j(L−1)·ReLU'(Z_k(L))·2(a_k(L) − y_k)
    const dWL: Mat = zL.map((zk, k) => aL1.map((aj) => aj * reluPrime(zk) * 2 * (aL[k]! - y[k]!)));
    // ∂C0/∂b_k(L) = 1·ReLU'(Z_k(L))·2(a_k(L) − y_k)
    const dbL = zL.map((zk, k) => 1 * reluPrime(zk) * 2 * (aL[k]! - y[k]!));
    // ∂C0/∂a_j(L−1) = Σ_k W_kj(L)·ReLU'(Z_k(L))·2(a_k(L) − y_k): "for real activation sum all
    // weights w/ other neighbor nodes"
    const daL1 = aL1.map((_, j) =>
      zL.reduce((s, zk, k) => s + WL[k]![j]! * reluPrime(zk) * 2 * (aL[k]! - y[k]!), 0),
    );
    // ∂C0/∂b_j(L−1) = 1·ReLU'(Z_j(L−1))·∂C0/∂a_j(L−1)
    const dbL1 = zL1.map((zj, j) => 1 * reluPrime(zj) * daL1[j]!);
    // ∂C0/∂W_ji(L−1) = a_i(L−2)·ReLU'(Z_j(L−1))·∂C0/∂a_j(L−1)
    const dWL1 = outer(dbL1, aL2);
    // ∂C0/∂a_i(L−2) = Σ_j W_ji(L−1)·ReLU'(Z_j(L−1))·∂C0/∂a_j(L−1)
    const daL2 = aL2.map((_, i) =>
      zL1.reduce((s, zj, j) => s + WL1[j]![i]! * reluPrime(zj) * daL1[j]!, 0),
    );

    const layer = (W: Tensor, a: Tensor, b: Tensor) =>
      matmul(W, a.reshape([a.size, 1]))
        .reshape([b.size])
        .add(b)
        .relu();
    const aL1T = layer(WL1T, aL2T, bL1T);
    const C0 = layer(WLT, aL1T, bLT).sub(constant(y)).pow(2).sum();
    const grads = gradients(C0, [WLT, bLT, aL1T, bL1T, WL1T, aL2T]);
    expectAwayFromKink([...zL1, ...zL]);
    for (const [i, byHand] of [dWL, dbL, daL1, dbL1, dWL1, daL2].entries()) {
      expectClose(grads[i]!, byHand);
    }
  });
});

describe("note 000: softmax with cross-entropy, C = −Σ_k t_k log a_k", () => {
  // z(l) = W(l)·a(l−1) + b(l) with a(l) = softmax(z(l)); the layer before is sigmoid:
  // a(l−1) = σ(z(l−1)), z(l−1) = W(l−1)·a(l−2) + b(l−1).
  const K = 5;
  const J = 4;
  const H = 3;
  const targets = [
    { name: "one-hot target", t: oneHot(2, K) },
    { name: "a soft target (any t with Σ_k t_k = 1)", t: softmax([0.3, -1, 2, 0.5, -0.2]) },
  ];

  test.each(targets)("$name: ∂C/∂z_k = a_k − t_k and the layers before", ({ t }) => {
    const aPrev2T = leaf([H], 20);
    const wPrevT = leaf([J, H], 21);
    const bPrevT = leaf([J], 22);
    const wT = leaf([K, J], 23, -2, 2);
    const bT = leaf([K], 24);

    // By hand: the forward pass, then each of the note's formulas.
    const aPrev2 = vec(aPrev2T);
    const aPrev = affine(mat(wPrevT), aPrev2, vec(bPrevT)).map(sigmoid);
    const w = mat(wT);
    const a = softmax(affine(w, aPrev, vec(bT)));
    // ∂C/∂a_k = −t_k / a_k
    const dCda = a.map((ak, k) => -t[k]! / ak);
    // ∂C/∂z_k = a_k − t_k, and ∂C/∂b_k = (a_k − t_k)·1
    const dCdz = a.map((ak, k) => ak - t[k]!);
    // ∂C/∂w_kj = a_j(l−1)·(a_k − t_k)
    const dCdw = outer(dCdz, aPrev);
    // ∂C/∂a_j(l−1) = Σ_k w_kj(l)·(a_k − t_k)
    const dCdaPrev = aPrev.map((_, j) => dCdz.reduce((s, d, k) => s + w[k]![j]! * d, 0));
    // The sigmoid layer before, with σ' = a(1 − a):
    // ∂C/∂b_j(l−1) = 1·a_j(1 − a_j)·∂C/∂a_j(l−1)
    const dCdbPrev = aPrev.map((aj, j) => aj * (1 - aj) * dCdaPrev[j]!);
    // ∂C/∂w_jh(l−1) = a_h(l−2)·a_j(1 − a_j)·∂C/∂a_j(l−1)
    const dCdwPrev = outer(dCdbPrev, aPrev2);
    // ∂C/∂a_h(l−2) = Σ_j w_jh(l−1)·a_j(1 − a_j)·∂C/∂a_j(l−1)
    const wPrev = mat(wPrevT);
    const dCdaPrev2 = aPrev2.map((_, h) => dCdbPrev.reduce((s, d, j) => s + wPrev[j]![h]! * d, 0));

    // By the backward pass, with the loss written from core ops.
    const aPrevT = matmul(wPrevT, aPrev2T.reshape([H, 1]))
      .reshape([J])
      .add(bPrevT)
      .sigmoid();
    const zT = matmul(wT, aPrevT.reshape([J, 1]))
      .reshape([K])
      .add(bT);
    const aT = zT.softmax();
    const C = constant(t).mul(aT.log()).sum().neg();
    const [ga, gz, gb, gw, gaPrev, gbPrev, gwPrev, gaPrev2] = gradients(C, [
      aT,
      zT,
      bT,
      wT,
      aPrevT,
      bPrevT,
      wPrevT,
      aPrev2T,
    ]);
    expectClose(ga!, dCda);
    expectClose(gz!, dCdz);
    expectClose(gb!, dCdz);
    expectClose(gw!, dCdw);
    expectClose(gaPrev!, dCdaPrev);
    expectClose(gbPrev!, dCdbPrev);
    expectClose(gwPrev!, dCdwPrev);
    expectClose(gaPrev2!, dCdaPrev2);

    // The same a − t through the fused logSoftmax: C = −Σ_k t_k·logSoftmax(z)_k.
    const z2 = constant(vec(zT)).requireGrad();
    constant(t).mul(z2.logSoftmax()).sum().neg().backward();
    expectClose(z2.grad, dCdz);
  });

  test("a batch: C = (1/n) Σ_i C_i, so ∂C/∂z_ik = (a_ik − t_ik)/n, dW and db averaged", () => {
    const n = 6;
    const aPrevT = input([n, J], 30);
    const wT = leaf([K, J], 31, -2, 2);
    const bT = leaf([K], 32);
    const y = labels(n, K, 33);

    // By hand, one example at a time, then divided by the batch size.
    const w = mat(wT);
    const perExample = mat(aPrevT).map((aPrev, i) => {
      const a = softmax(affine(w, aPrev, vec(bT)));
      const dCdz = a.map((ak, k) => ak - oneHot(y[i]!, K)[k]!);
      return { dCdz, dCdw: outer(dCdz, aPrev) };
    });
    const dCdZ: Mat = perExample.map(({ dCdz }) => dCdz.map((d) => d / n));
    const dCdb: Vec = meanOf(perExample.map(({ dCdz }) => dCdz));
    const dCdw: Mat = meanOf(perExample.map(({ dCdw }) => dCdw));

    // By the backward pass: −mean_i logSoftmax(z_i)[y_i], examples as rows.
    const zT = matmul(aPrevT, wT, { transB: true }).add(bT);
    const index = tensor(
      y.map((k) => [k]),
      { dtype: "int32" },
    );
    const C = zT.logSoftmax().gather(1, index).mean().neg();
    const [gz] = gradients(C, [zT], undefined, { retainGraph: true });
    C.backward();
    expectClose(gz!, dCdZ);
    expectClose(bT.grad, dCdb);
    expectClose(wT.grad, dCdw);
  });
});

describe("note 000: softmax followed by squared error, C0 = Σ_k (a_k − y_k)²", () => {
  test("∂C0/∂z_k needs the full Jacobian sum Σ_h ∂a_h/∂z_k·2(a_h − y_h), not only the diagonal", () => {
    const K = 6;
    const J = 4;
    const aPrevT = leaf([J], 40);
    const wT = leaf([K, J], 41, -2, 2);
    const bT = leaf([K], 42);
    const y = oneHot(1, K);

    const aPrev = vec(aPrevT);
    const a = softmax(affine(mat(wT), aPrev, vec(bT)));
    const dC0da = a.map((ak, k) => 2 * (ak - y[k]!));
    // Right: ∂C0/∂z_k = Σ_h ∂a_h/∂z_k·∂C0/∂a_h, with ∂a_h/∂z_k = a_k(1 − a_k) if h = k, −a_h·a_k
    // otherwise ("I need to consider overall cost of changing weights; this means I need to sum").
    const dC0dz = a.map((ak, k) =>
      a.reduce((s, ah, h) => s + (h === k ? ak * (1 - ak) : -ah * ak) * dC0da[h]!, 0),
    );
    // ∂C0/∂w_kj = a_j(l−1)·∂C0/∂z_k
    const dC0dw = outer(dC0dz, aPrev);
    // The note's first attempt keeps only the diagonal term:
    // ∂C0/∂w_kj = a_j(l−1)·softmax(z_k)(1 − softmax(z_k))·2(a_k − y_k). The note itself goes on
    // to say the other outputs must be summed in; the check below shows that the diagonal
    // alone is wrong.
    const diagonalOnly = outer(
      a.map((ak, k) => ak * (1 - ak) * dC0da[k]!),
      aPrev,
    );

    const zT = matmul(wT, aPrevT.reshape([J, 1]))
      .reshape([K])
      .add(bT);
    const C0 = zT.softmax().sub(constant(y)).pow(2).sum();
    const [gz, gw] = gradients(C0, [zT, wT]);
    expectClose(gz!, dC0dz);
    expectClose(gw!, dC0dw);
    expectDisagrees(gw!, diagonalOnly);
  });
});

describe("note 000: the step-by-step per-layer algorithm on a 784→16→16→10 net", () => {
  test("forward, 2(a − y), softmax sum, ReLU layers, gradients accumulated and divided by n", () => {
    const n = 4;
    const sizes = [784, 16, 16, 10];
    // Pixels in [0, 1]; weights scaled so that the pre-activations are of order 1.
    const xT = input([n, 784], 50, 0, 1);
    const layersT = [0, 1, 2].map((l) => ({
      w: leaf(
        [sizes[l + 1]!, sizes[l]!],
        51 + l,
        -2 / Math.sqrt(sizes[l]!),
        2 / Math.sqrt(sizes[l]!),
      ),
      b: leaf([sizes[l + 1]!], 61 + l, -0.5, 0.5),
    }));
    const y = labels(n, 10, 70).map((k) => oneHot(k, 10));

    // By hand, as the note's steps.
    const layers = layersT.map(({ w, b }) => ({ w: mat(w), b: vec(b) }));
    const last = layers.length - 1;
    const dW = layers.map(({ w }) => w.map((row) => row.map(() => 0)));
    const db = layers.map(({ b }) => b.map(() => 0));
    const preActivations: Vec[] = [];
    for (const [i, x] of mat(xT).entries()) {
      // 1) forward pass, storing the activations of every layer
      const as: Vec[] = [x];
      const zs: Vec[] = [];
      for (const [l, { w, b }] of layers.entries()) {
        const z = affine(w, as[l]!, b);
        zs.push(z);
        as.push(l === last ? softmax(z) : z.map(relu));
      }
      preActivations.push(...zs.slice(0, last));
      // 2) ∂C0/∂a_k(L) = 2(a_k − y_k)
      let dC0da = as[last + 1]!.map((ak, k) => 2 * (ak - y[i]![k]!));
      for (let l = last; l >= 0; l--) {
        const a = as[l + 1]!;
        // 3.1–3.2) the softmax output sums over every output h:
        //   ∂C0/∂z_k = a_k·∂C0/∂a_k − a_k·Σ_h a_h·∂C0/∂a_h;
        // 6) a ReLU layer: ∂C0/∂z_k = ReLU'(z_k)·∂C0/∂a_k
        const dC0dz =
          l === last
            ? a.map((ak, k) => ak * dC0da[k]! - ak * a.reduce((s, ah, h) => s + ah * dC0da[h]!, 0))
            : zs[l]!.map((zk, k) => reluPrime(zk) * dC0da[k]!);
        // 3) ∂C0/∂w_kj += a_j(l−1)·∂C0/∂z_k   4) ∂C0/∂b_k += 1·∂C0/∂z_k
        for (const [k, d] of dC0dz.entries()) {
          db[l]![k]! += d;
          for (const [j, aj] of as[l]!.entries()) dW[l]![k]![j]! += aj * d;
        }
        // 5) ∂C0/∂a_j(l−1) = Σ_k W_kj·∂C0/∂z_k, except for the front-most layer
        if (l > 0) {
          const w = layers[l]!.w;
          dC0da = as[l]!.map((_, j) => dC0dz.reduce((s, d, k) => s + w[k]![j]! * d, 0));
        }
      }
    }
    // "At end we have gradient for biases & weights; these accumulate & divide at end by batch size"
    const divide = (v: number) => v / n;

    // By the backward pass: the mean over the batch of C0 = Σ_k (a_k − y_k)².
    let h = xT;
    for (const [l, { w, b }] of layersT.entries()) {
      const z = matmul(h, w, { transB: true }).add(b);
      h = l === last ? z.softmax() : z.relu();
    }
    h.sub(constant(y)).pow(2).sum(1).mean().backward();

    expectAwayFromKink(preActivations);
    for (const [l, { w, b }] of layersT.entries()) {
      expectClose(
        w.grad,
        dW[l]!.map((row) => row.map(divide)),
      );
      expectClose(b.grad, db[l]!.map(divide));
    }
    expect(Math.max(...dW[0]!.flat().map(Math.abs))).toBeGreaterThan(1e-6);
  });
});
