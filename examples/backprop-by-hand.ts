// Backpropagation by hand and by autodiff: builds the small nets of the five backpropagation
// notes (docs/notes.md lists them), computes each formula the notes derive with plain loops
// over arrays, computes the same gradient with tensortape's generic backward pass, and prints
// how far apart the two are. Rows marked "as written" are the notes' slips, taken literally.
import { gradients, matmul, stack, type Tensor, tensor } from "@tensortape/core";
import { maxAbsDiff } from "@tensortape/core/testing";
import { Command } from "commander";
import {
  affine,
  column,
  constant,
  jacobian,
  labels,
  leaf,
  type Mat,
  mapAll,
  mat,
  matMul,
  matVec,
  meanOf,
  oneHot,
  ones,
  outer,
  relu,
  reluPrime,
  sigmoid,
  softmax,
  transpose,
  type Vec,
  vec,
  zipWith,
} from "../test/notes/by-hand.js";

const program = new Command("backprop-by-hand")
  .description(
    "Recomputes every formula of the five backpropagation notes twice, once by hand with " +
      "plain loops over arrays and once with tensortape's backward pass, on seeded random " +
      "float64 inputs, and prints a table of formula, note and max |by hand − autodiff|. The " +
      "notes' own slips are shown too, taken literally, to show how far off they are. Exits " +
      "with status 1 if a right formula disagrees or a slip agrees.",
  )
  .option("--seed <n>", "seed of the random inputs", (v) => Number.parseInt(v, 10), 0)
  .parse();
const { seed } = program.opts<{ seed: number }>();

// ---- The table ----

interface Row {
  readonly formula: string;
  readonly note: string;
  readonly difference: number;
  /** A note's slip, expected to disagree. */
  readonly asWritten: boolean;
}
const rows: Row[] = [];
let note = "";
function check(formula: string, autodiff: Tensor | null, byHand: number | Vec | Mat): void {
  rows.push({ formula, note, difference: maxAbsDiff(autodiff!, byHand), asWritten: false });
}
function slip(formula: string, autodiff: Tensor | null, asWritten: number | Vec | Mat): void {
  rows.push({ formula, note, difference: maxAbsDiff(autodiff!, asWritten), asWritten: true });
}

let nextSeed = seed * 1000;
/** A fresh float64 leaf with uniform values in [low, high]. */
const draw = (shape: number[], low = -1, high = 1) => leaf(shape, nextSeed++, low, high);
const sigmoidPrime = (z: number) => sigmoid(z) * (1 - sigmoid(z));
const times = (p: number, q: number) => p * q;
const plus = (p: number, q: number) => p + q;

// ---- Note 000: one neuron per layer with ReLU; softmax; the 784→16→16→10 net ----
note = "000";
{
  // z(l−1) = w(l−1)·a(l−2) + b(l−1), a(l−1) = ReLU(z(l−1)), z(l) = w(l)·a(l−1) + b(l),
  // a(l) = ReLU(z(l)), C0 = (a(l) − y)². Positive inputs keep every ReLU open.
  const [a2T, w1T, b1T, wT, bT] = [0, 1, 2, 3, 4].map(() => draw([], 0.1, 1)) as Tensor[];
  const [a2, w1, b1, w, b] = [a2T!, w1T!, b1T!, wT!, bT!].map((t) => t.item()) as number[];
  const y = -0.5;
  const z1 = w1! * a2! + b1!;
  const z = w! * relu(z1) + b!;
  const a = relu(z);
  const a1T = w1T!.mul(a2T!).add(b1T!).relu();
  const C0 = wT!.mul(a1T).add(bT!).relu().sub(y).pow(2);
  const [gw, gb, ga1, gw1] = gradients(C0, [wT!, bT!, a1T, w1T!]);
  check("∂C0/∂w(l) = a(l−1)·ReLU'(z(l))·2(a(l) − y)", gw!, relu(z1) * reluPrime(z) * 2 * (a - y));
  check("∂C0/∂b(l) = ReLU'(z(l))·2(a(l) − y)", gb!, reluPrime(z) * 2 * (a - y));
  check("∂C0/∂a(l−1) = w(l)·ReLU'(z(l))·2(a(l) − y)", ga1!, w! * reluPrime(z) * 2 * (a - y));
  check(
    "∂C0/∂w(l−1) = a(l−2)·ReLU'(z(l−1))·w(l)·ReLU'(z(l))·2(a(l) − y)",
    gw1!,
    a2! * reluPrime(z1) * w! * reluPrime(z) * 2 * (a - y),
  );
}
{
  const zT = draw([6], -3, 3);
  const s = vec(zT).map(sigmoid);
  const diagonal = (d: Vec): Mat => d.map((dk, k) => d.map((_, j) => (k === j ? dk : 0)));
  check(
    "sigmoid' = a(1 − a)",
    constant(jacobian((x) => x.sigmoid(), zT)),
    diagonal(s.map((ak) => ak * (1 - ak))),
  );
  const p = softmax(vec(zT));
  check(
    "softmax: ∂a_k/∂z_j = a_j(1 − a_j) (k = j), −a_j·a_k (k ≠ j)",
    constant(jacobian((x) => x.softmax(), zT)),
    p.map((ak, k) => p.map((aj, j) => (k === j ? aj * (1 - aj) : -aj * ak))),
  );
  const t = oneHot(2, 6);
  const [gzCE] = gradients(constant(t).mul(zT.softmax().log()).sum().neg(), [zT]);
  check(
    "C = −Σ t_k log a_k: ∂C/∂z_k = a_k − t_k",
    gzCE!,
    p.map((ak, k) => ak - t[k]!),
  );
  const dC0da = p.map((ak, k) => 2 * (ak - t[k]!));
  const [gzSE] = gradients(zT.softmax().sub(constant(t)).pow(2).sum(), [zT]);
  check(
    "softmax + squared error: ∂C0/∂z_k = Σ_h ∂a_h/∂z_k·2(a_h − y_h)",
    gzSE!,
    p.map((ak, k) =>
      p.reduce((s, ah, h) => s + (h === k ? ak * (1 - ak) : -ah * ak) * dC0da[h]!, 0),
    ),
  );
  slip(
    "  as written: only the diagonal, a_k(1 − a_k)·2(a_k − y_k)",
    gzSE!,
    p.map((ak, k) => ak * (1 - ak) * dC0da[k]!),
  );
}
{
  // The step-by-step algorithm on a 784→16→16→10 net, batch of 4: forward, 2(a − y), the
  // softmax sum, ReLU' for the hidden layers, gradients accumulated and divided by n.
  const n = 4;
  const sizes = [784, 16, 16, 10];
  const xT = draw([n, 784], 0, 1);
  const layersT = [0, 1, 2].map((l) => {
    const scale = 2 / Math.sqrt(sizes[l]!);
    return {
      w: draw([sizes[l + 1]!, sizes[l]!], -scale, scale),
      b: draw([sizes[l + 1]!], -0.5, 0.5),
    };
  });
  const y = labels(n, 10, nextSeed++).map((k) => oneHot(k, 10));
  const layers = layersT.map(({ w, b }) => ({ w: mat(w), b: vec(b) }));
  const perExample = mat(xT).map((x, i) => {
    const as: Vec[] = [x];
    const zs: Vec[] = [];
    for (const [l, { w, b }] of layers.entries()) {
      zs.push(affine(w, as[l]!, b));
      as.push(l === 2 ? softmax(zs[l]!) : zs[l]!.map(relu));
    }
    let dC0da = as[3]!.map((ak, k) => 2 * (ak - y[i]![k]!));
    const dW: Mat[] = [];
    for (let l = 2; l >= 0; l--) {
      const a = as[l + 1]!;
      const dC0dz =
        l === 2
          ? a.map((ak, k) => ak * dC0da[k]! - ak * a.reduce((s, ah, h) => s + ah * dC0da[h]!, 0))
          : zs[l]!.map((zk, k) => reluPrime(zk) * dC0da[k]!);
      dW[l] = outer(dC0dz, as[l]!);
      dC0da = matVec(transpose(layers[l]!.w), dC0dz);
    }
    return dW;
  });
  let h = xT;
  for (const [l, { w, b }] of layersT.entries()) {
    const z = matmul(h, w, { transB: true }).add(b);
    h = l === 2 ? z.softmax() : z.relu();
  }
  h.sub(constant(y)).pow(2).sum(1).mean().backward();
  check(
    "784→16→16→10, per-layer algorithm: ∂C/∂W(0) = (1/n)Σ_i a_j·∂C_i/∂z_k",
    layersT[0]!.w.grad,
    meanOf(perExample.map((dW) => dW[0]!)),
  );
}

// ---- Note 001: the chain-rule recursion, activation and loss partials ----
note = "001";
{
  const z = draw([5], -3, 3);
  check(
    "S(z): ∂a/∂z = e^−z/(1 + e^−z)²",
    constant(jacobian((x) => x.sigmoid(), z).map((row, i) => row[i]!)),
    vec(z).map((zi) => Math.exp(-zi) / (1 + Math.exp(-zi)) ** 2),
  );
  const a = softmax(vec(z));
  check(
    "SM(Z): ∂a_j/∂z_i = a_j(δ_ij − a_i)",
    constant(jacobian((x) => x.softmax(), z)),
    a.map((aj, j) => a.map((_, i) => aj * ((i === j ? 1 : 0) - a[i]!))),
  );
  // A 4→3→3 net, sigmoid hidden, softmax output; E by cross-entropy and by MSE.
  const A0 = draw([4]);
  const W1 = draw([3, 4], -1.5, 1.5);
  const W2 = draw([3, 3], -1.5, 1.5);
  const y = oneHot(0, 3);
  const z1 = matVec(mat(W1), vec(A0));
  const a1 = z1.map(sigmoid);
  const a2 = softmax(matVec(mat(W2), a1));
  const z1T = matmul(W1, A0.reshape([4, 1])).reshape([3]);
  const a2T = matmul(W2, z1T.sigmoid().reshape([3, 1]))
    .reshape([3])
    .softmax();
  const losses = [
    [
      "cross-entropy: ∂E/∂a_j = −y_j/a_j",
      constant(y).mul(a2T.log()).sum().neg(),
      a2.map((aj, j) => -y[j]! / aj),
    ],
    [
      "MSE: ∂E/∂a_j = 2(a_j − y_j)",
      a2T.sub(constant(y)).pow(2).sum(),
      a2.map((aj, j) => 2 * (aj - y[j]!)),
    ],
  ] as const;
  for (const [formula, E, dEda] of losses) {
    const [ga, gz1, gW1] = gradients(E, [a2T, z1T, W1], undefined, { retainGraph: true });
    check(formula, ga!, [...dEda]);
    const d2 = a2.map((_, i) =>
      a2.reduce((s, aj, j) => s + aj * ((i === j ? 1 : 0) - a2[i]!) * dEda[j]!, 0),
    );
    const d1 = z1.map(
      (zi, i) => sigmoidPrime(zi) * d2.reduce((s, dk, k) => s + mat(W2)[k]![i]! * dk, 0),
    );
    check("  then ∂E/∂z_i(1) = σ'(z_i)·Σ_k w_ki(2)·∂E/∂z_k(2)", gz1!, d1);
    check("  and ∂E/∂w_ij(1) = a_j(0)·∂E/∂z_i(1)", gW1!, outer(d1, vec(A0)));
  }
}

// ---- Note 002: single-neuron sigmoid chain, data-set mean, multi-neuron layers ----
note = "002";
{
  const n = 8;
  const [wT, bT] = [draw([], -3, 3), draw([])];
  const x = vec(draw([n]));
  const y = vec(draw([n], 0, 1));
  const [w, b] = [wT.item(), bT.item()];
  const perExample = x.map((xk, k) => {
    const z = w * xk + b;
    return {
      dw: xk * sigmoidPrime(z) * 2 * (sigmoid(z) - y[k]!),
      db: sigmoidPrime(z) * 2 * (sigmoid(z) - y[k]!),
    };
  });
  const C0 = wT.mul(x[0]!).add(bT).sigmoid().sub(y[0]!).pow(2);
  const [gw0, gb0] = gradients(C0, [wT, bT]);
  check("∂C0/∂w^L = a^(L−1)·σ'(z^L)·2(a^L − y)", gw0!, perExample[0]!.dw);
  check("∂C0/∂b^L = σ'(z^L)·2(a^L − y)", gb0!, perExample[0]!.db);
  const C = wT.mul(constant(x)).add(bT).sigmoid().sub(constant(y)).pow(2).mean();
  const [gw] = gradients(C, [wT]);
  check("∂C/∂w^L = (1/n) Σ_k ∂C_k/∂w^L", gw!, perExample.reduce((sum, g) => sum + g.dw, 0) / n);

  // Layer L with 4 neurons, each its own op reading a^(L−1): the backward pass sums the paths.
  const aPrevT = draw([5], 0, 1);
  const WT = draw([4, 5], -2, 2);
  const target = vec(draw([4], 0, 1));
  const W = mat(WT);
  const zL = matVec(W, vec(aPrevT));
  const dC0da = zL.map((zj, j) => 2 * (sigmoid(zj) - target[j]!));
  const neurons = W.map((_, j) =>
    WT.slice([j], [j + 1])
      .reshape([5])
      .mul(aPrevT)
      .sum()
      .sigmoid(),
  );
  const [gaPrev, gW] = gradients(stack(neurons).sub(constant(target)).pow(2).sum(), [aPrevT, WT]);
  check(
    "∂C0/∂a_k^(L−1) = Σ_j w_jk·σ'(z_j)·∂C0/∂a_j",
    gaPrev!,
    vec(aPrevT).map((_, k) =>
      zL.reduce((s, zj, j) => s + W[j]![k]! * sigmoidPrime(zj) * dC0da[j]!, 0),
    ),
  );
  check(
    "∂C0/∂w_jk = a_k^(L−1)·σ'(z_j)·∂C0/∂a_j",
    gW!,
    zL.map((zj, j) => vec(aPrevT).map((ak) => ak * sigmoidPrime(zj) * dC0da[j]!)),
  );
}

// ---- Note 003: d^l = (W^(l+1))ᵀ d^(l+1) ⊙ σ'(z^l), L = ½‖y − a^F‖² ----
note = "003";
{
  const n = 5;
  const XT = draw([n, 6]);
  const W1T = draw([4, 6], -1.5, 1.5);
  const W2T = draw([3, 4], -1.5, 1.5);
  const b2T = draw([3]);
  const Y = mat(draw([n, 3], 0, 1));
  const [W1, W2] = [mat(W1T), mat(W2T)];
  const perExample = mat(XT).map((x, i) => {
    const z1 = matVec(W1, x);
    const a1 = z1.map(sigmoid);
    const z2 = affine(W2, a1, vec(b2T));
    const a2 = z2.map(sigmoid);
    const dLda = a2.map((ak, k) => -(Y[i]![k]! - ak));
    const d2 = zipWith(dLda, z2.map(sigmoidPrime), times);
    const d1 = zipWith(matVec(transpose(W2), d2), z1.map(sigmoidPrime), times);
    return { a1, dLda, d1, d2, dW2: outer(d2, a1), dW1: outer(d1, x) };
  });
  const z1T = matmul(XT, W1T, { transB: true });
  const a2T = matmul(z1T.sigmoid(), W2T, { transB: true }).add(b2T).sigmoid();
  const LT = constant(Y).sub(a2T).pow(2).sum(1).mul(0.5).mean();
  const [ga2, gz1, gW2, gW1, gb2] = gradients(LT, [a2T, z1T, W2T, W1T, b2T]);
  check(
    "∂L/∂a_k^F = −(y_k − a_k) (times 1/n for L_T)",
    ga2!,
    perExample.map((g) => g.dLda.map((v) => v / n)),
  );
  check(
    "d^l = (W^(l+1))ᵀ d^(l+1) ⊙ σ'(z^l) (times 1/n)",
    gz1!,
    perExample.map((g) => g.d1.map((v) => v / n)),
  );
  check("∂L_T/∂W_jk = (1/n) Σ_i d_j·a_k", gW2!, meanOf(perExample.map((g) => g.dW2)));
  check("∂L_T/∂W_jk, first layer", gW1!, meanOf(perExample.map((g) => g.dW1)));
  check("∂L_T/∂b_j = (1/n) Σ_i d_j", gb2!, meanOf(perExample.map((g) => g.d2)));
  slip(
    "  as written: ∂L/∂w_jk = d_j·a_j (index slip)",
    gW2!,
    meanOf(perExample.map((g) => g.d2.map((dj, j) => g.a1.map(() => dj * g.a1[j]!)))),
  );
}

// ---- Note 004: the 2-layer ReLU net, regression and classification, batched ----
note = "004";
{
  const [d, m] = [5, 6];
  const xT = draw([d, 1]);
  const W1T = draw([m, d], -1.5, 1.5);
  const b1T = draw([m, 1]);
  const W2T = draw([1, m], -1.5, 1.5);
  const b2T = draw([1, 1]);
  const yv = 0.3;
  const [x, W1, b1, W2, b2] = [xT, W1T, b1T, W2T, b2T].map(mat) as Mat[];
  const z = zipWith(matMul(W1!, x!), b1!, plus);
  const a = mapAll(z, relu);
  const o = zipWith(matMul(W2!, a), b2!, plus)[0]![0]!;
  const dJda = mapAll(transpose(W2!), (w) => w * (o - yv));
  const dJdz = zipWith(dJda, mapAll(z, reluPrime), times);
  const zT = matmul(W1T, xT).add(b1T);
  const aT = zT.relu();
  const J = constant([[yv]])
    .sub(matmul(W2T, aT).add(b2T))
    .pow(2)
    .mul(0.5)
    .sum();
  const [gW2, gb2, ga, gz, gW1, gb1] = gradients(J, [W2T, b2T, aT, zT, W1T, b1T]);
  check(
    "J = ½(y − o)²: ∂J/∂W2 = (o − y)·aᵀ",
    gW2!,
    mapAll(transpose(a), (ai) => (o - yv) * ai),
  );
  check("∂J/∂b2 = o − y", gb2!, [[o - yv]]);
  check("∂J/∂a = W2ᵀ(o − y)", ga!, dJda);
  check("∂J/∂z = ∂J/∂a ⊙ 1{z > 0}", gz!, dJdz);
  check("∂J/∂W1 = ∂J/∂z·xᵀ", gW1!, matMul(dJdz, transpose(x!)));
  check("∂J/∂b1 = ∂J/∂z", gb1!, dJdz);
}
{
  // c classes, examples as columns: Z = W1·X + b1·1ᵀ, S = W2·A + b2·1ᵀ, J = −(1/n) Σ log p_y.
  const [d, m, c, n] = [5, 6, 4, 7];
  const XT = draw([d, n]);
  const W1T = draw([m, d], -1.5, 1.5);
  const b1T = draw([m, 1]);
  const W2T = draw([c, m], -1.5, 1.5);
  const b2T = draw([c, 1]);
  const y = labels(n, c, nextSeed++);
  const [X, W1, b1, W2, b2] = [XT, W1T, b1T, W2T, b2T].map(mat) as Mat[];
  const Z = zipWith(matMul(W1!, X!), matMul(b1!, [ones(n)]), plus);
  const A = mapAll(Z, relu);
  const S = zipWith(matMul(W2!, A), matMul(b2!, [ones(n)]), plus);
  const P = transpose(transpose(S).map(softmax));
  const delta2 = P.map((row, k) => row.map((p, i) => (k === y[i] ? p - 1 : p) / n));
  const delta1 = zipWith(matMul(transpose(W2!), delta2), mapAll(Z, reluPrime), times);
  const ST = matmul(W2T, matmul(W1T, XT).add(b1T).relu()).add(b2T);
  const J = ST.logSoftmax(0)
    .gather(0, tensor([y], { dtype: "int32" }))
    .mean()
    .neg();
  const [gS, gW2, gb2, gW1, gb1] = gradients(J, [ST, W2T, b2T, W1T, b1T]);
  check("softmax CE: ∂J/∂S = (P − Y)/n, p_k − 1 when k = y", gS!, delta2);
  slip(
    "  as written: p_k when k = y, p_k − 1 otherwise",
    gS!,
    P.map((row, k) => row.map((p, i) => (k === y[i] ? p : p - 1) / n)),
  );
  check("∂J/∂W2 = δ2·Aᵀ", gW2!, matMul(delta2, transpose(A)));
  check("∂J/∂b2 = δ2·1 (sum over the batch)", gb2!, matMul(delta2, column(ones(n))));
  slip("  as written in Alg 3: ∂J/∂b2 = δ2 (c × n)", gb2!, delta2);
  check("∂J/∂W1 = δ1·Xᵀ", gW1!, matMul(delta1, transpose(X!)));
  check("∂J/∂b1 = δ1·1", gb1!, matMul(delta1, column(ones(n))));

  // The same examples as rows ("in practice"): Z = X·W1 + 1·b1, S = A·W2 + 1·b2, every
  // matrix the transpose of its column-form twin, and ∂J/∂S = (P − Y)/n a row per example.
  const [Xr, W2r, Zr, Ar, dJdS] = [X!, W2!, Z, A, delta2].map(transpose) as Mat[];
  const dJdZ = zipWith(matMul(dJdS!, transpose(W2r!)), mapAll(Zr!, reluPrime), times);
  const [XrT, W1rT, b1rT, W2rT, b2rT] = [XT, W1T, b1T, W2T, b2T].map((t) =>
    constant(transpose(mat(t))).requireGrad(),
  ) as Tensor[];
  const ZrT = matmul(XrT!, W1rT!).add(b1rT!);
  const SrT = matmul(ZrT.relu(), W2rT!).add(b2rT!);
  const index = tensor(
    y.map((k) => [k]),
    { dtype: "int32" },
  );
  const Jr = SrT.softmax(1).log().gather(1, index).mean().neg();
  const [gZr, gW1r, gb1r, gW2r, gb2r] = gradients(Jr, [ZrT, W1rT!, b1rT!, W2rT!, b2rT!]);
  check("rows: ∂J/∂Z = (∂J/∂S·W2ᵀ) ⊙ ReLU'(Z)", gZr!, dJdZ);
  check("rows: ∂J/∂W1 = Xᵀ·∂J/∂Z", gW1r!, matMul(transpose(Xr!), dJdZ));
  check("rows: ∂J/∂b1 = 1ᵀ·∂J/∂Z", gb1r!, matMul([ones(n)], dJdZ));
  check("rows: ∂J/∂W2 = Aᵀ·∂J/∂S", gW2r!, matMul(transpose(Ar!), dJdS!));
  check("rows: ∂J/∂b2 = 1ᵀ·∂J/∂S", gb2r!, matMul([ones(n)], dJdS!));
}

// ---- Print ----
const width = Math.max(...rows.map((r) => r.formula.length));
console.log(`backpropagation notes, seed ${seed}: max |by hand − autodiff| (float64)\n`);
console.log(`${"formula".padEnd(width)}  note  max |by hand − autodiff|`);
console.log(`${"-".repeat(width)}  ----  ------------------------`);
for (const r of rows) {
  const verdict = r.asWritten ? (r.difference > 1e-3 ? "  (wrong, as expected)" : "  AGREES?") : "";
  console.log(`${r.formula.padEnd(width)}  ${r.note}   ${r.difference.toExponential(2)}${verdict}`);
}
const bad = rows.filter((r) => (r.asWritten ? !(r.difference > 1e-3) : !(r.difference <= 1e-9)));
console.log(
  bad.length === 0
    ? `\nall ${rows.filter((r) => !r.asWritten).length} formulas agree with the backward pass to 1e-9`
    : `\n${bad.length} rows do not behave as expected`,
);
process.exitCode = bad.length === 0 ? 0 : 1;
