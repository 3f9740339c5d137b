import { grad, gradients, graphOf, layerNorm, type Tensor, tensor } from "@tensortape/core";
import { assertClose, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

const EPS = 1e-5;

/** Central differences of a vector-valued `g` along `direction`: (g(x + εd) − g(x − εd)) / 2ε. */
function fdAlong(g: (x: Tensor) => Tensor, x: Tensor, direction: Tensor): number[] {
  const plus = g(x.add(direction.mul(EPS))).data;
  const minus = g(x.sub(direction.mul(EPS))).data;
  return Array.from(plus, (p, i) => (p - minus[i]!) / (2 * EPS));
}

/** The Jacobian of `g` by central differences, one column per element of x: J[i][j] = ∂g_i/∂x_j. */
function fdJacobian(g: (x: Tensor) => Tensor, x: Tensor): number[][] {
  const columns = Array.from({ length: x.size }, (_, j) => {
    const e = x.zerosLike();
    e.data[j] = 1;
    return fdAlong(g, x, e);
  });
  return columns[0]!.map((_, i) => columns.map((column) => column[i]!));
}

const sigma = (v: number) => 1 / (1 + Math.exp(-v));

// Elementwise functions, with their first and second derivatives in closed form.
const elementwise: {
  name: string;
  f: (x: Tensor) => Tensor;
  d2: (v: number) => number;
  low: number;
  high: number;
}[] = [
  {
    name: "tanh",
    f: (x) => x.tanh(),
    // tanh'' = −2 tanh (1 − tanh²)
    d2: (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2),
    low: -2,
    high: 2,
  },
  {
    name: "sigmoid",
    f: (x) => x.sigmoid(),
    // σ'' = σ(1 − σ)(1 − 2σ)
    d2: (v) => sigma(v) * (1 - sigma(v)) * (1 - 2 * sigma(v)),
    low: -3,
    high: 3,
  },
  { name: "exp", f: (x) => x.exp(), d2: (v) => Math.exp(v), low: -2, high: 2 },
  // (x³)'' = 6x
  { name: "x³", f: (x) => x.pow(3), d2: (v) => 6 * v, low: -2, high: 2 },
  // (log x)'' = −1/x²
  { name: "log", f: (x) => x.log(), d2: (v) => -1 / v ** 2, low: 0.5, high: 3 },
];

describe("second derivatives of elementwise functions", () => {
  for (const { name, f, d2, low, high } of elementwise) {
    test(`${name}: grad(grad(f)) matches the closed form and finite differences of grad(f)`, () => {
      const x = randomTensor([6], { seed: 11, low, high });
      const sumF = (t: Tensor) => f(t).sum();
      // Σ f(x_i) has a diagonal Hessian: differentiating Σ_i f'(x_i) gives f''(x_i) elementwise.
      const firstGrad = grad(sumF);
      const secondGrad = grad((t: Tensor) => firstGrad(t).sum())(x);
      const closedForm = Array.from(x.data, d2);
      assertClose(secondGrad, closedForm, { atol: 1e-12, rtol: 1e-12 });
      const ones = x.onesLike();
      assertClose(secondGrad, fdAlong(firstGrad, x, ones), { atol: 1e-7, rtol: 1e-7 });
    });

    test(`${name}: grad(grad(f)) of a scalar function of one element`, () => {
      const x = tensor([(low + high) / 2 + 0.3], { dtype: "float64" });
      const scalarF = (t: Tensor) => f(t).sum();
      const second = grad(grad(scalarF))(x);
      expect(second.shape).toEqual([1]);
      assertClose(second, [d2(x.item())], { atol: 1e-12, rtol: 1e-12 });
    });
  }
});

describe("ReLU's gradient kernel, differentiated again", () => {
  // h(x, w) = Σ relu(x)·w has ∂h/∂x = w·1{x > 0}. That gradient is linear in w, so
  // ∂/∂w Σ (∂h/∂x)·u = u·1{x > 0}, and piecewise constant in x, so ∂/∂x of it is 0.
  const x = tensor([-1.5, 0.5, 2, -0.25, 0, 3], { dtype: "float64" });
  const w = tensor([0.3, -2, 1.1, 4, 5, -0.7], { dtype: "float64" });
  const u = tensor([1, 2, 3, 4, 5, 6], { dtype: "float64" });
  const h = (xs: Tensor, ws: Tensor) => xs.relu().mul(ws).sum();
  const dhdx = grad(h, { argnums: 0 });

  test("∂h/∂x = w·1{x > 0}, with 0 at x = 0", () => {
    expect(Array.from(dhdx(x, w).data)).toEqual([0, -2, 1.1, 0, 0, -0.7]);
  });

  test("∂/∂w ⟨∂h/∂x, u⟩ = u·1{x > 0} and ∂/∂x ⟨∂h/∂x, u⟩ = 0", () => {
    const inner = (xs: Tensor, ws: Tensor) => dhdx(xs, ws).mul(u).sum();
    const [byX, byW] = grad(inner, { argnums: [0, 1] })(x, w);
    expect(Array.from(byW!.data)).toEqual([0, 2, 3, 0, 0, 6]);
    expect(Array.from(byX!.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test("a NaN or ∞ gradient where x ≤ 0 gives 0, as PyTorch's threshold_backward", () => {
    const xs = tensor([-1, 0, 2], { requiresGrad: true });
    xs.relu().backward(tensor([Number.NaN, Number.POSITIVE_INFINITY, 5]));
    expect(Array.from(xs.grad!.data)).toEqual([0, 0, 5]);
  });
});

describe("second derivatives of softmax through a weighted sum", () => {
  // f(x) = Σ_i w_i softmax(x)_i. With s = softmax(x) and w̄ = ⟨w, s⟩:
  // ∂f/∂x_i = s_i (w_i − w̄)
  // ∂²f/∂x_i∂x_j = s_i (δ_ij − s_j)(w_i − w̄) − s_i s_j (w_j − w̄)
  const w = tensor([0.5, -1.2, 2, 0.3], { dtype: "float64" });
  const f = (x: Tensor) => x.softmax().mul(w).sum();
  const x = randomTensor([4], { seed: 12 });

  function closedFormHessian(): number[][] {
    const e = Array.from(x.data, Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const s = e.map((v) => v / z);
    const wbar = s.reduce((acc, si, i) => acc + si * w.data[i]!, 0);
    return s.map((si, i) =>
      s.map((sj, j) => {
        const delta = i === j ? 1 : 0;
        return si * (delta - sj) * (w.data[i]! - wbar) - si * sj * (w.data[j]! - wbar);
      }),
    );
  }

  test("the Hessian, row by row through grad(grad(f)), matches both", () => {
    const firstGrad = grad(f);
    const rows = [0, 1, 2, 3].map((i) => {
      const e = x.zerosLike();
      e.data[i] = 1;
      // Row i of the Hessian is the gradient of ∂f/∂x_i.
      return grad((t: Tensor) => firstGrad(t).mul(e).sum())(x).toArray() as number[];
    });
    assertClose(rows, closedFormHessian(), { atol: 1e-12, rtol: 1e-10 });
    assertClose(rows, fdJacobian(firstGrad, x), { atol: 1e-8, rtol: 1e-6 });
    // Softmax is shift-invariant, so each Hessian row sums to zero.
    for (const row of rows) expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
  });

  test("and along an axis other than the last", () => {
    // Rows of a [4, 2] input, softmax down the columns: the same Hessian for each column.
    const x2 = x
      .reshape([4, 1])
      .broadcastTo([4, 2])
      .mul(tensor([1, -1], { dtype: "float64" }));
    const f2 = (t: Tensor) =>
      t
        .softmax(0)
        .mul(w.reshape([4, 1]))
        .sum();
    const firstGrad = grad(f2);
    const e = x2.zerosLike();
    e.data[2] = 1; // element [1, 0]
    const row = grad((t: Tensor) => firstGrad(t).mul(e).sum())(x2);
    assertClose(row, fdAlong(firstGrad, x2, e), { atol: 1e-8, rtol: 1e-6 });
    const expected = closedFormHessian()[1]!;
    const column0 = (row.toArray() as number[][]).map((r) => r[0]!);
    assertClose(column0, expected, { atol: 1e-12, rtol: 1e-10 });
  });
});

describe("Hessian-vector product of a small MLP loss", () => {
  // loss = mean((tanh(X·W1 + b1)·W2 + b2 − Y)²)
  const X = randomTensor([5, 3], { seed: 13 });
  const Y = randomTensor([5, 2], { seed: 14 });
  const params = [
    randomTensor([3, 4], { seed: 15, low: -1, high: 1 }),
    randomTensor([4], { seed: 16, low: -0.5, high: 0.5 }),
    randomTensor([4, 2], { seed: 17, low: -1, high: 1 }),
    randomTensor([2], { seed: 18, low: -0.5, high: 0.5 }),
  ];
  const v = params.map((p, i) => randomTensor(p.shape, { seed: 20 + i }));
  const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) =>
    X.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sub(Y).square().mean();
  const lossGrad = grad(loss);

  /** ∇L(θ + εv) − ∇L(θ − εv), over 2ε: the HVP by finite differences of the gradient. */
  function fdHvp(): number[][] {
    const at = (sign: number) => lossGrad(...params.map((p, i) => p.add(v[i]!.mul(sign * EPS))));
    const plus = at(1);
    const minus = at(-1);
    return plus.map((p, i) => Array.from(p.data, (a, k) => (a - minus[i]!.data[k]!) / (2 * EPS)));
  }

  test("grad of ⟨∇L, v⟩ matches finite differences of ∇L along v", () => {
    const hvp = grad(
      (...ps: Tensor[]) =>
        lossGrad(...ps)
          .map((g, i) => g.mul(v[i]!).sum())
          .reduce((a, b) => a.add(b)),
      { argnums: [0, 1, 2, 3] },
    )(...params);
    const expected = fdHvp();
    hvp.forEach((h, i) => {
      expect(h.shape).toEqual(params[i]!.shape);
      assertClose(h.data, expected[i]!, { atol: 1e-8, rtol: 1e-6 });
    });
    // tanh makes the loss curved in W1 and b1 too, not only in the output layer.
    expect(Math.max(...Array.from(hvp[0]!.data, Math.abs))).toBeGreaterThan(1e-3);
  });

  test("the same through backward({ createGraph: true }) and gradients()", () => {
    const leaves = params.map((p) => p.clone().requireGrad());
    const [w1, b1, w2, b2] = leaves as [Tensor, Tensor, Tensor, Tensor];
    loss(w1, b1, w2, b2).backward(undefined, { createGraph: true });
    const dot = leaves.map((p, i) => p.grad!.mul(v[i]!).sum()).reduce((a, b) => a.add(b));
    const hvp = gradients(dot, leaves);
    const expected = fdHvp();
    hvp.forEach((h, i) => {
      assertClose(h.data, expected[i]!, { atol: 1e-8, rtol: 1e-6 });
    });
  });
});

describe("backward({ createGraph: true })", () => {
  test("leaves .grad on the tape, so it can be differentiated again", () => {
    const x = tensor([1, -2, 0.5], { dtype: "float64", requiresGrad: true });
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    // ∂/∂x Σx³ = 3x²
    assertClose(g, [3, 12, 0.75], { atol: 1e-12 });
    expect(g.requiresGrad).toBe(true);
    expect(g.isLeaf).toBe(false);
    expect(graphOf(g).some((e) => e.op === "pow")).toBe(true);
    x.grad = null;
    g.sum().backward();
    // ∂/∂x Σ3x² = 6x
    assertClose(x.grad!, [6, -12, 3], { atol: 1e-12 });
  });

  test("without it, .grad is a constant", () => {
    const x = tensor([1, -2], { dtype: "float64", requiresGrad: true });
    x.pow(3).sum().backward();
    expect(x.grad?.requiresGrad).toBe(false);
    expect(x.grad?.isLeaf).toBe(true);
  });

  test("gradients(..., { createGraph: true }) gives a gradient on the tape", () => {
    const x = tensor([0.3, -0.7], { dtype: "float64", requiresGrad: true });
    const [g] = gradients(x.sin().sum(), [x], undefined, { createGraph: true });
    const [h] = gradients(g!.sum(), [x]);
    // sin'' = −sin
    assertClose(h!, [-Math.sin(0.3), Math.sin(0.7)], { atol: 1e-12 });
  });
});

describe("third derivatives", () => {
  test("d³/dx³ of x⁴ and of sin, against the closed form and finite differences", () => {
    const x = tensor([0.8], { dtype: "float64" });
    const quartic = (t: Tensor) => t.pow(4).sum();
    // (x⁴)''' = 24x
    assertClose(grad(grad(grad(quartic)))(x), [24 * 0.8], { atol: 1e-12 });
    const sinSum = (t: Tensor) => t.sin().sum();
    const second = grad(grad(sinSum));
    const third = grad(grad(grad(sinSum)))(x);
    // sin''' = −cos
    assertClose(third, [-Math.cos(0.8)], { atol: 1e-12 });
    assertClose(third, fdAlong(second, x, x.onesLike()), { atol: 1e-8 });
  });
});

describe("grad with numbers", () => {
  test("a number argument takes the dtype of the tensor beside it", () => {
    const dx = grad((x: Tensor, k: Tensor) => x.mul(k).pow(2).sum(), { argnums: 0 });
    const g = dx(tensor([1, -2], { dtype: "float64" }), 3);
    // ∂/∂x Σ(kx)² = 2k²x
    expect(g.dtype).toBe("float64");
    expect(g.toArray()).toEqual([18, -36]);
  });

  test("a number can be differentiated at, twice", () => {
    const cube = (t: Tensor) => t.pow(3).sum();
    // (x³)' = 3x², (x³)'' = 6x at x = 2
    expect(grad(cube)(2).item()).toBe(12);
    expect(grad(grad(cube))(2).item()).toBe(12);
  });
});

describe("fused ops' backward rules are differentiable", () => {
  test("layerNorm: second derivatives in x, weight and bias against finite differences", () => {
    const x = randomTensor([3, 4], { seed: 41 });
    const w = randomTensor([4], { seed: 42, low: 0.5, high: 2 });
    const b = randomTensor([4], { seed: 43 });
    const result = gradgradcheck((x, w, b) => layerNorm(x!, 4, w, b), [x, w, b]);
    expect(result.passed).toBe(true);
    expect(gradgradcheck((x) => layerNorm(x!, [2, 2]), [x.reshape([3, 2, 2])]).passed).toBe(true);
  });
});
