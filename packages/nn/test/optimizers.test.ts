// Each optimizer against a reference sequence of updates on f(θ) = ½·Σ aᵢ(θᵢ − cᵢ)², whose
// gradient is aᵢ(θᵢ − cᵢ). The references are plain number arithmetic written out from the
// update rules as the PyTorch documentation states them, independently of the implementation.
import { DTypeError, OptionError, type Tensor, tensor, ValueError } from "@tensortape/core";
import {
  Adagrad,
  Adam,
  AdamW,
  type Optimizer,
  type OptimizerStateDict,
  RMSprop,
  SGD,
  StateDictError,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

const A = [1, 3, 0.5, 2];
const C = [0.5, -1, 2, 0];
const THETA0 = [1, 2, -1, 0.25];
const STEPS = 5;
const gradient = (theta: number[]) => theta.map((t, i) => A[i]! * (t - C[i]!));

/** Runs `steps` optimizer steps from THETA0, returning θ after each. */
function run(make: (params: Tensor[]) => Optimizer, dtype: "float32" | "float64"): number[][] {
  const theta = tensor(THETA0, { dtype, requiresGrad: true });
  const a = tensor(A, { dtype });
  const c = tensor(C, { dtype });
  const optimizer = make([theta]);
  const trajectory: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
    optimizer.zeroGrad();
    theta.sub(c).square().mul(a).sum().mul(0.5).backward();
    optimizer.step();
    trajectory.push(Array.from(theta.data));
  }
  return trajectory;
}

type Reference = () => number[][];

function sgdReference(h: {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}): Reference {
  return () => {
    const {
      lr,
      momentum: mu = 0,
      dampening: tau = 0,
      weightDecay: lambda = 0,
      nesterov = false,
    } = h;
    let theta = [...THETA0];
    let b: number[] = [];
    const out: number[][] = [];
    for (let t = 1; t <= STEPS; t++) {
      let g = gradient(theta);
      if (lambda !== 0) g = g.map((gi, i) => gi + lambda * theta[i]!);
      if (mu !== 0) {
        b = t > 1 ? b.map((bi, i) => mu * bi + (1 - tau) * g[i]!) : [...g];
        g = nesterov ? g.map((gi, i) => gi + mu * b[i]!) : [...b];
      }
      theta = theta.map((th, i) => th - lr * g[i]!);
      out.push(theta);
    }
    return out;
  };
}

function adamReference(h: {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  decoupled?: boolean;
}): Reference {
  return () => {
    const { lr, betas: [b1, b2] = [0.9, 0.999], eps = 1e-8, weightDecay: lambda = 0 } = h;
    let theta = [...THETA0];
    let m = theta.map(() => 0);
    let v = theta.map(() => 0);
    let vMax = theta.map(() => 0);
    const out: number[][] = [];
    for (let t = 1; t <= STEPS; t++) {
      let g = gradient(theta);
      if (h.decoupled) theta = theta.map((th) => th - lr * lambda * th);
      else if (lambda !== 0) g = g.map((gi, i) => gi + lambda * theta[i]!);
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
      const mHat = m.map((mi) => mi / (1 - b1 ** t));
      let vHat: number[];
      if (h.amsgrad) {
        vMax = vMax.map((x, i) => Math.max(x, v[i]!));
        vHat = vMax.map((x) => x / (1 - b2 ** t));
      } else {
        vHat = v.map((vi) => vi / (1 - b2 ** t));
      }
      theta = theta.map((th, i) => th - (lr * mHat[i]!) / (Math.sqrt(vHat[i]!) + eps));
      out.push(theta);
    }
    return out;
  };
}

function rmspropReference(h: {
  lr: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}): Reference {
  return () => {
    const { lr, alpha = 0.99, eps = 1e-8, weightDecay: lambda = 0, momentum: mu = 0 } = h;
    let theta = [...THETA0];
    let v = theta.map(() => 0);
    let gAve = theta.map(() => 0);
    let b = theta.map(() => 0);
    const out: number[][] = [];
    for (let t = 1; t <= STEPS; t++) {
      let g = gradient(theta);
      if (lambda !== 0) g = g.map((gi, i) => gi + lambda * theta[i]!);
      v = v.map((vi, i) => alpha * vi + (1 - alpha) * g[i]! ** 2);
      let vTilde = [...v];
      if (h.centered) {
        gAve = gAve.map((x, i) => alpha * x + (1 - alpha) * g[i]!);
        vTilde = vTilde.map((x, i) => x - gAve[i]! ** 2);
      }
      if (mu > 0) {
        b = b.map((bi, i) => mu * bi + g[i]! / (Math.sqrt(vTilde[i]!) + eps));
        theta = theta.map((th, i) => th - lr * b[i]!);
      } else {
        theta = theta.map((th, i) => th - (lr * g[i]!) / (Math.sqrt(vTilde[i]!) + eps));
      }
      out.push(theta);
    }
    return out;
  };
}

function adagradReference(h: {
  lr: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}): Reference {
  return () => {
    const { lr, lrDecay: eta = 0, weightDecay: lambda = 0, eps = 1e-10 } = h;
    let theta = [...THETA0];
    let sum = theta.map(() => h.initialAccumulatorValue ?? 0);
    const out: number[][] = [];
    for (let t = 1; t <= STEPS; t++) {
      const lrT = lr / (1 + (t - 1) * eta);
      let g = gradient(theta);
      if (lambda !== 0) g = g.map((gi, i) => gi + lambda * theta[i]!);
      sum = sum.map((s, i) => s + g[i]! ** 2);
      theta = theta.map((th, i) => th - (lrT * g[i]!) / (Math.sqrt(sum[i]!) + eps));
      out.push(theta);
    }
    return out;
  };
}

const cases: [string, (params: Tensor[]) => Optimizer, Reference][] = [
  ["SGD", (p) => new SGD(p, { lr: 0.1 }), sgdReference({ lr: 0.1 })],
  [
    "SGD with momentum, dampening and weight decay",
    (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.1 }),
    sgdReference({ lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.1 }),
  ],
  [
    "SGD with Nesterov momentum",
    (p) => new SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true }),
    sgdReference({ lr: 0.05, momentum: 0.8, nesterov: true }),
  ],
  ["Adam", (p) => new Adam(p, { lr: 0.1 }), adamReference({ lr: 0.1 })],
  [
    "Adam with AMSGrad and L2 weight decay",
    (p) => new Adam(p, { lr: 0.2, betas: [0.5, 0.9], eps: 1e-6, weightDecay: 0.3, amsgrad: true }),
    adamReference({ lr: 0.2, betas: [0.5, 0.9], eps: 1e-6, weightDecay: 0.3, amsgrad: true }),
  ],
  [
    "AdamW",
    (p) => new AdamW(p, { lr: 0.1, weightDecay: 0.2 }),
    adamReference({ lr: 0.1, weightDecay: 0.2, decoupled: true }),
  ],
  [
    "AdamW with AMSGrad",
    (p) => new AdamW(p, { lr: 0.1, amsgrad: true, betas: [0.8, 0.95] }),
    adamReference({
      lr: 0.1,
      weightDecay: 0.01,
      amsgrad: true,
      betas: [0.8, 0.95],
      decoupled: true,
    }),
  ],
  ["RMSprop", (p) => new RMSprop(p, { lr: 0.01 }), rmspropReference({ lr: 0.01 })],
  [
    "RMSprop centered, with momentum and weight decay",
    (p) =>
      new RMSprop(p, { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.1 }),
    rmspropReference({ lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.1 }),
  ],
  ["Adagrad", (p) => new Adagrad(p, { lr: 0.5 }), adagradReference({ lr: 0.5 })],
  [
    "Adagrad with lrDecay, weight decay and an initial accumulator",
    (p) =>
      new Adagrad(p, { lr: 0.5, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.2 }),
    adagradReference({ lr: 0.5, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.2 }),
  ],
];

describe("reference sequences", () => {
  test.each(cases)("%s matches in float64 (to 1e-12)", (_, make, reference) => {
    const expected = reference();
    const actual = run(make, "float64");
    for (let s = 0; s < STEPS; s++) {
      for (let i = 0; i < THETA0.length; i++) {
        expect(Math.abs(actual[s]![i]! - expected[s]![i]!)).toBeLessThan(1e-12);
      }
    }
  });

  test.each(cases)("%s matches in float32 (to float32 rounding)", (_, make, reference) => {
    const expected = reference();
    const actual = run(make, "float32");
    for (let s = 0; s < STEPS; s++) {
      for (let i = 0; i < THETA0.length; i++) {
        // a few float32 ulps of the values involved, accumulated over the steps
        expect(Math.abs(actual[s]![i]! - expected[s]![i]!)).toBeLessThan(
          1e-6 * (1 + Math.abs(expected[s]![i]!)),
        );
      }
    }
  });

  test("the references move: every step changes θ", () => {
    for (const [, , reference] of cases) {
      const seq = [THETA0, ...reference()];
      for (let s = 1; s < seq.length; s++) expect(seq[s]).not.toEqual(seq[s - 1]);
    }
  });
});

describe("step() and zeroGrad()", () => {
  test("update in place, record nothing, and never modify the gradient", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const data = p.data;
    p.mul(p).sum().backward();
    const grad = p.grad!;
    const gradValues = Array.from(grad.data);
    new Adam([p], { lr: 0.1 }).step();
    expect(p.data).toBe(data);
    expect(p.isLeaf).toBe(true);
    expect(p.grad).toBe(grad);
    expect(Array.from(grad.data)).toEqual(gradValues);
    expect(Array.from(p.data)).not.toEqual([1, 2]);
  });

  test("parameters without a gradient are skipped; zeroGrad clears every gradient", () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.mul(3).sum().backward();
    const optimizer = new SGD([a, b], { lr: 0.1 });
    optimizer.step();
    expect(Array.from(a.data)).toEqual([Math.fround(1 - 0.3)]);
    expect(Array.from(b.data)).toEqual([1]);
    expect(optimizer.stateOf(b)).toBeUndefined();
    optimizer.zeroGrad();
    expect(a.grad).toBeNull();
  });

  test("parameter groups have their own hyperparameters over shared defaults", () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    const optimizer = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], {
      lr: 0.1,
      momentum: 0,
    });
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    a.add(b).sum().backward();
    optimizer.step();
    expect(Array.from(a.data)).toEqual([Math.fround(0.9)]);
    expect(Array.from(b.data)).toEqual([0.5]);
  });
});

describe("state dicts", () => {
  const quadratic = (p: Tensor) =>
    p
      .sub(tensor([3, -2]))
      .square()
      .sum();

  test("saving after 2 steps and loading into a fresh optimizer continues identically", () => {
    const makes: ((p: Tensor[]) => Optimizer)[] = [
      (p) => new Adam(p, { lr: 0.1, amsgrad: true }),
      (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p) => new RMSprop(p, { lr: 0.1, centered: true, momentum: 0.5 }),
      (p) => new Adagrad(p, { lr: 0.1 }),
    ];
    for (const make of makes) {
      const p = tensor([0, 0], { requiresGrad: true });
      const optimizer = make([p]);
      const stepOnce = (o: Optimizer, t: Tensor) => {
        o.zeroGrad();
        quadratic(t).backward();
        o.step();
      };
      stepOnce(optimizer, p);
      stepOnce(optimizer, p);
      const saved: OptimizerStateDict = optimizer.stateDict();
      const q = p.clone().requireGrad();
      const resumed = make([q]);
      resumed.loadStateDict(saved);
      for (let s = 0; s < 3; s++) {
        stepOnce(optimizer, p);
        stepOnce(resumed, q);
      }
      expect(Array.from(q.data)).toEqual(Array.from(p.data));
    }
  });

  test("the state dict is a copy, and holds hyperparameters and step counts", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const optimizer = new Adam([p], { lr: 0.01 });
    p.sum().backward();
    optimizer.step();
    const saved = optimizer.stateDict();
    expect(saved.paramGroups).toEqual([
      {
        lr: 0.01,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 0,
        amsgrad: false,
        params: [0],
      },
    ]);
    expect(saved.state["0"]!.step).toBe(1);
    const expAvg = saved.state["0"]!.expAvg as Tensor;
    expect(Array.from(expAvg.data)).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    optimizer.step();
    expect(Array.from(expAvg.data)).toEqual([Math.fround(0.1), Math.fround(0.1)]);
  });

  test("a state dict from another optimizer or model fails, listing every mismatch, and loads nothing", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const adam = new Adam([p]);
    p.sum().backward();
    adam.step();
    // Another kind of optimizer: its groups hold hyperparameters this one does not have.
    const sgd = new SGD([tensor([1, 2, 3], { requiresGrad: true })], { momentum: 0.9 });
    expect(() => sgd.loadStateDict(adam.stateDict())).toThrow(OptionError);
    expect(() => sgd.loadStateDict(adam.stateDict())).toThrow(
      'SGD.loadStateDict: unknown option "betas"',
    );
    expect(sgd.stateOf(sgd.paramGroups[0]!.params[0]!)).toBeUndefined();
    expect(sgd.paramGroups[0]!.momentum).toBe(0.9);
    // The same kind with its state tensors missing, extra or of another shape.
    const tampered = adam.stateDict();
    const { expAvgSq: _, ...rest } = tampered.state["0"]!;
    const bad: OptimizerStateDict = {
      ...tampered,
      state: { "0": { ...rest, expAvg: tensor([1, 2, 3]), extra: tensor([1]) } },
    };
    let error: unknown;
    try {
      new Adam([tensor([1, 2], { requiresGrad: true })]).loadStateDict(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect((error as StateDictError).mismatches.map((m) => `${m.kind} ${m.name}`)).toEqual([
      "shape state.0.expAvg",
      "missing state.0.expAvgSq",
      "unexpected state.0.extra",
    ]);
    const other = new Adam([tensor([1, 2, 3], { requiresGrad: true })]);
    expect(() => other.loadStateDict(adam.stateDict())).toThrow(
      "shape: state.0.expAvg expected [3], got [2]",
    );
    const twoGroups = new Adam([
      { params: [tensor([1], { requiresGrad: true })] },
      { params: [tensor([1], { requiresGrad: true })] },
    ]);
    expect(() => twoGroups.loadStateDict(adam.stateDict())).toThrow(
      "Adam.loadStateDict: the state dict has 1 parameter groups; this optimizer has 2",
    );
  });
});

describe("errors", () => {
  test("bad parameter lists", () => {
    expect(() => new SGD([])).toThrow("SGD: got an empty parameter list");
    const leaf = tensor([1], { requiresGrad: true });
    expect(() => new Adam([leaf.mul(2)])).toThrow(
      "Adam: group 0, parameter 0 was computed by an op; only leaf tensors can be optimized",
    );
    expect(() => new Adam([tensor([1])])).toThrow("does not require grad");
    expect(() => new Adam([leaf, leaf])).toThrow(
      "Adam: group 0, parameter 1 appears more than once",
    );
    expect(() => new Adam([tensor([1], { dtype: "int32" })])).toThrow(DTypeError);
  });

  test("bad hyperparameters", () => {
    const p = () => [tensor([1], { requiresGrad: true })];
    expect(() => new SGD(p(), { lr: -1 })).toThrow("SGD: lr must be a finite number ≥ 0; got -1");
    expect(() => new SGD(p(), { nesterov: true })).toThrow(
      "SGD: nesterov must be false unless momentum > 0 and dampening = 0; got true",
    );
    expect(() => new Adam(p(), { betas: [1, 0.999] })).toThrow(
      "Adam: betas[0] must be a number in [0, 1); got 1",
    );
    expect(() => new AdamW(p(), { eps: -1 })).toThrow(ValueError);
    expect(() => new RMSprop(p(), { alpha: 2 })).toThrow(
      "RMSprop: alpha must be a number in [0, 1]; got 2",
    );
    expect(() => new Adagrad(p(), { lrDecay: -0.1 })).toThrow(ValueError);
    expect(() => new Adam([{ params: p(), lr: -0.5 }])).toThrow(
      "Adam: paramGroups[0].lr must be a finite number ≥ 0; got -0.5",
    );
  });

  test("a gradient assigned by hand must match its parameter's shape and dtype", () => {
    const first = tensor([5], { requiresGrad: true });
    const param = tensor([1, 2, 3], { requiresGrad: true });
    const optimizer = new SGD([first, param], { lr: 0.1 });
    first.grad = tensor([1]);
    param.grad = tensor([1, 2]);
    expect(() => optimizer.step()).toThrow(
      "SGD.step: a gradient's shape differs from its parameter's; got param [3] and grad [2]",
    );
    param.grad = tensor([1, 2, 3], { dtype: "float64" });
    expect(() => optimizer.step()).toThrow(
      "SGD.step: a gradient's dtype differs from its parameter's; got param float32 and grad float64",
    );
    // Nothing moved, not even the parameter whose gradient was fine.
    expect(Array.from(first.data)).toEqual([5]);
    expect(Array.from(param.data)).toEqual([1, 2, 3]);
  });
});
