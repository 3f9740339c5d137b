import {
  DTypeError,
  OptionError,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { assertClose, gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import {
  accuracy,
  BCELoss,
  BCEWithLogitsLoss,
  bceLoss,
  binaryCrossEntropyWithLogits,
  CrossEntropyLoss,
  crossEntropy,
  HuberLoss,
  huberLoss,
  KLDivLoss,
  kldivLoss,
  L1Loss,
  l1Loss,
  MSELoss,
  mseLoss,
  NLLLoss,
  nllLoss,
  type Reduction,
  SmoothL1Loss,
  smoothL1Loss,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

const f64 = (data: number[][] | number[]) => tensor(data, { dtype: "float64" });
const labels = (data: number[]) => tensor(data, { dtype: "int32" });
const logSumExp = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));

const logits = [
  [2, -1, 0.5],
  [0.1, 0.2, 0.3],
];
const classes = [0, 2];
// −log softmax(row)[target] = logsumexp(row) − row[target]
const perSample = logits.map((row, i) => logSumExp(row) - row[classes[i]!]!);

describe("crossEntropy", () => {
  test("class indices: logsumexp(row) − row[target], with every reduction", () => {
    const cases: [Reduction, number | number[]][] = [
      ["mean", (perSample[0]! + perSample[1]!) / 2],
      ["sum", perSample[0]! + perSample[1]!],
      ["none", perSample],
    ];
    for (const [reduction, expected] of cases) {
      assertClose(crossEntropy(f64(logits), labels(classes), { reduction }), expected, {
        atol: 1e-12,
      });
    }
  });

  test("its gradient is exactly (softmax − onehot)/n", () => {
    const x = f64(logits).requireGrad();
    crossEntropy(x, labels(classes)).backward();
    const expected = logits.map((row, i) => {
      const z = Math.exp(logSumExp(row));
      return row.map((v, c) => (Math.exp(v) / z - (c === classes[i] ? 1 : 0)) / 2);
    });
    assertClose(x.grad!, expected, { atol: 1e-15 });
  });

  test("logits of ±1000 give a finite loss and finite gradients", () => {
    const x = tensor(
      [
        [1000, -1000, 0],
        [-1000, 1000, 1000],
      ],
      { requiresGrad: true },
    );
    const loss = crossEntropy(x, labels([1, 0]));
    // row 0: logsumexp = 1000, target −1000 → 2000; row 1: 1000 + log 2 − (−1000)
    expect(loss.item()).toBeCloseTo((2000 + 2000 + Math.log(2)) / 2, 3);
    loss.backward();
    expect(Array.from(x.grad!.data).every(Number.isFinite)).toBe(true);
    assertClose(x.grad!, [
      [0.5, -0.5, 0],
      [-0.5, 0.25, 0.25],
    ]);
  });

  test("class probabilities: −Σ p·log softmax, matching indices for one-hot rows", () => {
    const p = [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
    ];
    const expected = logits.map((row, i) =>
      row.reduce((s, v, c) => s - p[i]![c]! * (v - logSumExp(row)), 0),
    );
    assertClose(crossEntropy(f64(logits), f64(p), { reduction: "none" }), expected, {
      atol: 1e-12,
    });
    const oneHot = f64([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    assertClose(crossEntropy(f64(logits), oneHot), crossEntropy(f64(logits), labels(classes)), {
      atol: 1e-12,
    });
  });

  test("gradchecks for both kinds of target, and on [N, C, d] logits", () => {
    gradcheck((x) => crossEntropy(x, labels([1, 0, 3])), [randomTensor([3, 4], { seed: 1 })]);
    gradcheck(
      (x, p) => crossEntropy(x, p!.softmax(-1)),
      [randomTensor([3, 4], { seed: 2 }), randomTensor([3, 4], { seed: 3 })],
    );
    const target = tensor(
      [
        [0, 1],
        [2, 2],
      ],
      { dtype: "int32" },
    );
    gradcheck(
      (x) => crossEntropy(x, target, { reduction: "sum" }),
      [randomTensor([2, 3, 2], { seed: 4 })],
    );
  });

  test("errors name crossEntropy and say what was expected", () => {
    const x = f64(logits);
    expect(() => crossEntropy(x, labels([0, 3]))).toThrow(
      "crossEntropy: target 3 at flat index 1 is not a class index in [0, 3)",
    );
    expect(() => crossEntropy(x, labels([0, 1, 2]))).toThrow(ShapeError);
    expect(() => crossEntropy(x, labels([0, 1, 2]))).toThrow(
      "crossEntropy: target must have the input's shape without its class axis (axis 1), [2]; got input [2, 3] and target [3]",
    );
    expect(() => crossEntropy(x, f64([0, 1]))).toThrow(
      "crossEntropy: class-probability targets must have the input's shape; got input [2, 3] and target [2]",
    );
    expect(() =>
      crossEntropy(
        x,
        tensor([
          [0, 0, 1],
          [1, 0, 0],
        ]),
      ),
    ).toThrow(DTypeError);
    expect(() => crossEntropy(x, labels(classes), { reduction: "avg" as Reduction })).toThrow(
      'crossEntropy: unknown reduction "avg"; expected "mean", "sum" or "none"',
    );
  });
});

describe("nllLoss", () => {
  test("−logProbs[target], reduced", () => {
    const logProbs = f64([
      [-0.1, -2.5],
      [-1.2, -0.4],
      [-3, -0.05],
    ]);
    assertClose(nllLoss(logProbs, labels([0, 0, 1])), (0.1 + 1.2 + 0.05) / 3, { atol: 1e-12 });
    assertClose(nllLoss(logProbs, labels([1, 1, 0]), { reduction: "none" }), [2.5, 0.4, 3], {
      atol: 1e-12,
    });
    gradcheck((x) => nllLoss(x, labels([1, 0, 1])), [randomTensor([3, 2], { seed: 5 })]);
  });

  test("float targets are a DTypeError with a hint", () => {
    expect(() => nllLoss(f64([[0, 0]]), f64([1]))).toThrow(
      'nllLoss: class-index targets must be int32; got target float64\nhint: use target.cast("int32")',
    );
  });
});

describe("mseLoss", () => {
  test("(input − target)², reduced", () => {
    const input = f64([1, 2, 3]);
    const target = f64([1, 4, 0]);
    assertClose(mseLoss(input, target), (0 + 4 + 9) / 3, { atol: 1e-12 });
    assertClose(mseLoss(input, target, { reduction: "sum" }), 13, { atol: 1e-12 });
    assertClose(mseLoss(input, target, { reduction: "none" }), [0, 4, 9], { atol: 1e-12 });
    gradcheck(
      (a, b) => mseLoss(a, b!),
      [randomTensor([2, 3], { seed: 6 }), randomTensor([2, 3], { seed: 7 })],
    );
  });

  test("[N, 1] against [N] is an error, not a silent broadcast", () => {
    expect(() => mseLoss(f64([[1], [2]]), f64([1, 2]))).toThrow(
      "mseLoss: input and target must have the same shape; got input [2, 1] and target [2]",
    );
  });
});

describe("binaryCrossEntropyWithLogits", () => {
  test("−y·log σ(x) − (1 − y)·log(1 − σ(x)), reduced", () => {
    const x = [-2, 0, 0.5, 3];
    const y = [0, 1, 0.3, 1];
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = x.map((v, i) => -y[i]! * Math.log(s(v)) - (1 - y[i]!) * Math.log(1 - s(v)));
    assertClose(binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction: "none" }), expected, {
      atol: 1e-12,
    });
    assertClose(
      binaryCrossEntropyWithLogits(f64(x), f64(y)),
      expected.reduce((a, b) => a + b) / 4,
      { atol: 1e-12 },
    );
  });

  test("finite for ±1000, with gradient σ(x) − y per element (exactly ½ − y at 0)", () => {
    const x = tensor([1000, -1000, 0, 0], { requiresGrad: true });
    const y = tensor([0, 1, 1, 0]);
    const loss = binaryCrossEntropyWithLogits(x, y, { reduction: "sum" });
    expect(loss.item()).toBeCloseTo(2000 + 2 * Math.log(2), 3);
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual([1, -1, -0.5, 0.5]);
    gradcheck(
      (a, b) => binaryCrossEntropyWithLogits(a, b!),
      [randomTensor([5], { seed: 8 }), randomTensor([5], { seed: 9, low: 0, high: 1 })],
    );
  });

  test("shapes must match", () => {
    expect(() => binaryCrossEntropyWithLogits(f64([[1], [2]]), f64([1, 0]))).toThrow(ShapeError);
  });
});

describe("accuracy", () => {
  test("the fraction of rows whose argmax is the target", () => {
    const scores = tensor([
      [2, 1, 0],
      [0, 3, 1],
      [0, 0, 5],
      [1, 2, 0],
    ]);
    expect(accuracy(scores, labels([0, 1, 0, 0]))).toBe(0.5);
    expect(accuracy(scores, labels([0, 1, 2, 1]))).toBe(1);
    const oneHot = tensor([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(accuracy(scores, oneHot)).toBe(0.75);
  });

  test("a target of the wrong shape is a ShapeError", () => {
    expect(() => accuracy(tensor([[1, 2]]), labels([0, 1]))).toThrow(ShapeError);
  });
});

/** The error `run` throws (the test fails if it throws none). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("crossEntropy with PyTorch's options", () => {
  const w = [1, 2, 3];

  test("the class axis is the second: [N, C, d] equals [N·d, C] rows", () => {
    const x = randomTensor([2, 3, 2], { seed: 11 });
    const t = tensor(
      [
        [0, 2],
        [1, 1],
      ],
      { dtype: "int32" },
    );
    const rows = x.movedim(1, -1).reshape([4, 3]);
    assertClose(
      crossEntropy(x, t, { reduction: "none" }),
      crossEntropy(rows, t.reshape([4]), { reduction: "none" }).reshape([2, 2]),
      { atol: 1e-12 },
    );
  });

  test("unbatched [C] scores with a 0-d target give a 0-d loss", () => {
    const loss = crossEntropy(f64([2, 0, 1]), tensor(0, { dtype: "int32" }));
    expect(loss.shape).toEqual([]);
    assertClose(loss, logSumExp([2, 0, 1]) - 2, { atol: 1e-12 });
  });

  test("a weighted mean divides by the targets' weights: (w₀·l₀ + w₂·l₁) / (w₀ + w₂)", () => {
    const weight = f64(w);
    const expected = (w[0]! * perSample[0]! + w[2]! * perSample[1]!) / (w[0]! + w[2]!);
    assertClose(crossEntropy(f64(logits), labels(classes), { weight }), expected, { atol: 1e-12 });
    assertClose(
      crossEntropy(f64(logits), labels(classes), { weight, reduction: "none" }),
      [w[0]! * perSample[0]!, w[2]! * perSample[1]!],
      { atol: 1e-12 },
    );
  });

  test("ignored targets add nothing to the loss, the divisor or the gradient", () => {
    const x = f64(logits).requireGrad();
    const loss = crossEntropy(x, labels([0, -100]));
    assertClose(loss, perSample[0]!, { atol: 1e-12 });
    loss.backward();
    expect(Array.from(x.grad!.data).slice(3)).toEqual([0, 0, 0]);
    // An in-range ignoreIndex is skipped too.
    assertClose(crossEntropy(f64(logits), labels(classes), { ignoreIndex: 2 }), perSample[0]!, {
      atol: 1e-12,
    });
  });

  test("an all-ignored mean is 0/0 = NaN, its sum 0, and its gradient 0, as PyTorch's", () => {
    const x = f64(logits).requireGrad();
    const loss = crossEntropy(x, labels([-100, -100]));
    expect(loss.item()).toBeNaN();
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(crossEntropy(f64(logits), labels([-100, -100]), { reduction: "sum" }).item()).toBe(0);
  });

  test("label smoothing ε: (1 − ε)·(−log p_t) + (ε/C)·Σ_c −log p_c", () => {
    const epsilon = 0.1;
    const expected = logits.map((row, i) => {
      const logP = row.map((v) => v - logSumExp(row));
      const uniform = logP.reduce((a, b) => a - b, 0) / 3;
      return (1 - epsilon) * -logP[classes[i]!]! + epsilon * uniform;
    });
    assertClose(
      crossEntropy(f64(logits), labels(classes), { labelSmoothing: epsilon, reduction: "none" }),
      expected,
      { atol: 1e-12 },
    );
    // The same as smoothing the one-hot rows by hand and passing them as probabilities.
    const smoothed = f64([
      [0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3],
      [0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3],
    ]);
    assertClose(
      crossEntropy(f64(logits), labels(classes), { labelSmoothing: epsilon }),
      crossEntropy(f64(logits), smoothed),
      { atol: 1e-12 },
    );
  });

  test("gradchecks with weight, ignoreIndex and label smoothing over trailing axes", () => {
    const t = tensor(
      [
        [0, 2],
        [1, 3],
      ],
      { dtype: "int32" },
    );
    for (const reduction of ["mean", "sum", "none"] as const) {
      gradcheck(
        (x, weight) =>
          crossEntropy(x, t, { weight, ignoreIndex: 3, labelSmoothing: 0.2, reduction }),
        [randomTensor([2, 3, 2], { seed: 12 }), randomTensor([3], { seed: 13, low: 0.5, high: 2 })],
      );
      gradcheck(
        (x, p, weight) =>
          crossEntropy(x, p!.softmax(1), { weight, labelSmoothing: 0.3, reduction }),
        [
          randomTensor([2, 3, 2], { seed: 14 }),
          randomTensor([2, 3, 2], { seed: 15 }),
          randomTensor([3], { seed: 16, low: 0.5, high: 2 }),
        ],
      );
    }
  });

  test("errors name the loss, the shapes, the index and C", () => {
    const x = f64(logits);
    const outOfRange = thrown(() => crossEntropy(x, labels([0, 5])));
    expect(outOfRange).toBeInstanceOf(ValueError);
    expect(outOfRange.message).toBe(
      "crossEntropy: target 5 at flat index 1 is not a class index in [0, 3); got input [2, 3] and target [2] (C = 3, ignoreIndex -100)",
    );
    const classLast = thrown(() =>
      crossEntropy(
        randomTensor([2, 4, 3]),
        tensor([0, 1, 2, 0, 1, 2, 0, 1], { shape: [2, 4], dtype: "int32" }),
      ),
    ) as ShapeError;
    expect(classLast).toBeInstanceOf(ShapeError);
    expect(classLast.shapes).toEqual({ input: [2, 4, 3], target: [2, 4] });
    expect(classLast.message).toBe(
      "crossEntropy: target must have the input's shape without its class axis (axis 1), [2, 3]; got input [2, 4, 3] and target [2, 4]\nhint: the class axis is the second, as in PyTorch ([N, C, d1, ...]): for [N, T, C] scores pass scores.movedim(-1, 1)",
    );
    expect(thrown(() => crossEntropy(x, labels(classes), { weight: f64([1, 2]) })).message).toBe(
      "crossEntropy: weight must have one entry per class, [C] = [3] (the class axis is axis 1); got input [2, 3] and weight [2]",
    );
    expect(
      thrown(() => crossEntropy(x, labels(classes), { weight: tensor([1, 2, 3]) })),
    ).toBeInstanceOf(DTypeError);
    expect(thrown(() => crossEntropy(x, labels(classes), { labelSmoothing: 1.5 })).message).toBe(
      "crossEntropy: labelSmoothing must be a number in [0, 1]; got 1.5",
    );
    expect(thrown(() => crossEntropy(x, labels(classes), { ignoreIndex: 0.5 })).message).toBe(
      "crossEntropy: ignoreIndex must be an integer; got 0.5",
    );
    expect(
      thrown(() => crossEntropy(x, f64(logits).softmax(1), { ignoreIndex: 0 })),
    ).toBeInstanceOf(ValueError);
    expect(
      thrown(() => crossEntropy(tensor([[1, 2]], { dtype: "int32" }), labels([0]))),
    ).toBeInstanceOf(DTypeError);
    expect(thrown(() => crossEntropy(f64([1, 2]).sum(), labels([0])))).toBeInstanceOf(ShapeError);
  });
});

describe("nllLoss with PyTorch's options", () => {
  const logProbs = [
    [-0.1, -2.5, -3],
    [-1.2, -0.4, -2],
  ];

  test("weight and ignoreIndex: Σ −w_t·x_t over the kept targets / Σ w_t", () => {
    const weight = f64([0.5, 2, 4]);
    assertClose(nllLoss(f64(logProbs), labels([2, 1]), { weight }), (4 * 3 + 2 * 0.4) / 6, {
      atol: 1e-12,
    });
    assertClose(
      nllLoss(f64(logProbs), labels([2, 7]), { weight, ignoreIndex: 7, reduction: "none" }),
      [12, 0],
      { atol: 1e-12 },
    );
    assertClose(nllLoss(f64(logProbs), labels([1, 1]), { ignoreIndex: 1 }), Number.NaN);
  });

  test("gradchecks over trailing axes with weight and ignoreIndex", () => {
    const t = tensor([0, 2, 1, 1, 2, 0], { shape: [2, 3], dtype: "int32" });
    gradcheck(
      (x, weight) => nllLoss(x, t, { weight, ignoreIndex: 1 }),
      [randomTensor([2, 3, 3], { seed: 17 }), randomTensor([3], { seed: 18, low: 0.5, high: 2 })],
    );
  });
});

describe("regression losses", () => {
  const input = f64([0.5, -3, 2, 1]);
  const target = f64([0, 0, 2, 2]);

  test("l1Loss: |d|, with gradient sign(d) and 0 where d = 0", () => {
    assertClose(l1Loss(input, target, { reduction: "none" }), [0.5, 3, 0, 1], { atol: 1e-12 });
    assertClose(l1Loss(input, target), 4.5 / 4, { atol: 1e-12 });
    const x = f64([0.5, -3, 2, 1]).requireGrad();
    l1Loss(x, target, { reduction: "sum" }).backward();
    expect(Array.from(x.grad!.data)).toEqual([1, -1, 0, -1]);
  });

  test("smoothL1Loss: 0.5·d²/β inside β, |d| − 0.5·β outside; β = 0 is l1Loss", () => {
    assertClose(smoothL1Loss(input, target, { reduction: "none" }), [0.125, 2.5, 0, 0.5], {
      atol: 1e-12,
    });
    assertClose(smoothL1Loss(input, target, { beta: 2, reduction: "none" }), [0.0625, 2, 0, 0.25], {
      atol: 1e-12,
    });
    assertClose(smoothL1Loss(input, target, { beta: 0 }), l1Loss(input, target), { atol: 1e-15 });
    // At |d| = β both pieces have slope sign(d): the gradient is continuous there.
    const x = f64([1, -1]).requireGrad();
    smoothL1Loss(x, f64([0, 0]), { reduction: "sum" }).backward();
    expect(Array.from(x.grad!.data)).toEqual([1, -1]);
    const z = f64([0, 3]).requireGrad();
    smoothL1Loss(z, f64([0, 0]), { beta: 0, reduction: "sum" }).backward();
    expect(Array.from(z.grad!.data)).toEqual([0, 1]);
  });

  test("huberLoss: 0.5·d² inside δ, δ·(|d| − 0.5·δ) outside", () => {
    assertClose(huberLoss(input, target, { delta: 2, reduction: "none" }), [0.125, 4, 0, 0.5], {
      atol: 1e-12,
    });
    assertClose(
      huberLoss(input, target, { delta: 2 }),
      smoothL1Loss(input, target, { beta: 2 }).mul(2),
      { atol: 1e-12 },
    );
  });

  test("gradchecks, away from the kinks", () => {
    const a = randomTensor([3, 4], { seed: 19 });
    const b = randomTensor([3, 4], { seed: 20 });
    gradcheck((x, y) => l1Loss(x, y!), [a, b]);
    gradcheck((x, y) => smoothL1Loss(x, y!, { beta: 0.7 }), [a, b]);
    gradcheck((x, y) => huberLoss(x, y!, { delta: 0.7, reduction: "sum" }), [a, b]);
  });

  test("errors: shapes, dtypes and bad β or δ", () => {
    expect(thrown(() => l1Loss(f64([[1], [2]]), f64([1, 2]))).message).toBe(
      "l1Loss: input and target must have the same shape; got input [2, 1] and target [2]\nhint: reshape one of them, e.g. prediction.reshape([-1]) for [N, 1] against [N]",
    );
    expect(thrown(() => huberLoss(f64([1]), tensor([1])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => smoothL1Loss(input, target, { beta: -1 })).message).toBe(
      "smoothL1Loss: beta must be a finite number ≥ 0 (PyTorch rejects negative values); got -1",
    );
    expect(thrown(() => huberLoss(input, target, { delta: 0 }))).toBeInstanceOf(ValueError);
  });
});

describe("kldivLoss", () => {
  const logQ = f64([
    [-0.5, -1.2, -2],
    [-1, -1, -1.5],
  ]);
  const p = [
    [0.2, 0.8, 0],
    [0.5, 0.25, 0.25],
  ];

  test("Σ p·(log p − input), 0·log 0 = 0, reduced per batch or per element", () => {
    const terms = p.map((row, i) =>
      row.map((v, j) => (v === 0 ? 0 : v * (Math.log(v) - (logQ.data[i * 3 + j] as number)))),
    );
    const total = terms.flat().reduce((a, b) => a + b);
    assertClose(kldivLoss(logQ, f64(p), { reduction: "none" }), terms, { atol: 1e-12 });
    assertClose(kldivLoss(logQ, f64(p), { reduction: "batchmean" }), total / 2, { atol: 1e-12 });
    assertClose(kldivLoss(logQ, f64(p)), total / 6, { atol: 1e-12 });
    assertClose(kldivLoss(logQ, f64(p), { reduction: "sum" }), total, { atol: 1e-12 });
  });

  test("logTarget takes log p instead, with the same value for p > 0", () => {
    const q = f64([
      [0.2, 0.7, 0.1],
      [0.5, 0.25, 0.25],
    ]);
    assertClose(kldivLoss(logQ, q.log(), { logTarget: true }), kldivLoss(logQ, q), { atol: 1e-12 });
    gradcheck(
      (x, t) => kldivLoss(x, t!, { logTarget: true, reduction: "batchmean" }),
      [randomTensor([2, 3], { seed: 21 }), randomTensor([2, 3], { seed: 22 })],
    );
    gradcheck(
      (x, t) => kldivLoss(x, t!, { reduction: "batchmean" }),
      [randomTensor([2, 3], { seed: 23 }), randomTensor([2, 3], { seed: 24, low: 0.1, high: 1 })],
    );
  });

  test("a zero probability has a zero gradient, not 0·log 0 = NaN", () => {
    const t = f64(p).requireGrad();
    kldivLoss(logQ, t, { reduction: "sum" }).backward();
    expect(Array.from(t.grad!.data).every(Number.isFinite)).toBe(true);
  });

  test("reductions it does not know are errors", () => {
    expect(thrown(() => kldivLoss(logQ, f64(p), { reduction: "avg" as never })).message).toBe(
      'kldivLoss: unknown reduction "avg"; expected "mean", "batchmean", "sum" or "none"',
    );
  });
});

describe("bceLoss", () => {
  const s = (v: number) => -Math.log(v);

  test("−w·(y·log x + (1 − y)·log(1 − x)), with a broadcast weight", () => {
    const x = f64([0.9, 0.2, 0.5]);
    const y = f64([1, 0, 0.25]);
    const expected = [s(0.9), s(0.8), 0.25 * s(0.5) + 0.75 * s(0.5)];
    assertClose(bceLoss(x, y, { reduction: "none" }), expected, { atol: 1e-12 });
    assertClose(
      bceLoss(x, y, { weight: f64([2, 1, 3]), reduction: "sum" }),
      2 * expected[0]! + expected[1]! + 3 * expected[2]!,
      { atol: 1e-12 },
    );
  });

  test("x = 0 or 1: each log is clamped at −100, and the gradient stays finite", () => {
    const x = f64([0, 1, 0, 1]).requireGrad();
    const loss = bceLoss(x, f64([0, 1, 1, 0]), { reduction: "none" });
    assertClose(loss, [0, 0, 100, 100], { atol: 1e-12 });
    loss.sum().backward();
    // (x − y) / max(x·(1 − x), 1e-12 as a float32)
    const epsilon = Math.fround(1e-12);
    assertClose(x.grad!, [0, 0, -1 / epsilon, 1 / epsilon], { rtol: 1e-12 });
  });

  test("gradcheck and gradgradcheck of its fused op, for the input and the target", () => {
    const x = randomTensor([2, 3], { seed: 25, low: 0.1, high: 0.9 });
    const y = randomTensor([2, 3], { seed: 26, low: 0, high: 1 });
    gradcheck((a, b) => bceLoss(a, b!), [x, y]);
    gradcheck(
      (a, b, w) => bceLoss(a, b!, { weight: w, reduction: "none" }),
      [x, y, randomTensor([3], { seed: 27, low: 0.5, high: 2 })],
    );
    gradgradcheck((a, b) => bceLoss(a, b!), [x, y]);
  });

  test("inputs outside [0, 1] are an error, as in PyTorch", () => {
    const e = thrown(() => bceLoss(f64([0.5, 1.5]), f64([0, 1])));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe(
      "bceLoss: every input must be a probability in [0, 1]\nhint: for logits use binaryCrossEntropyWithLogits, or apply sigmoid first",
    );
    expect(thrown(() => bceLoss(f64([Number.NaN]), f64([0])))).toBeInstanceOf(ValueError);
    expect(
      thrown(() => bceLoss(f64([0.5, 0.5]), f64([0, 1]), { weight: f64([1, 2, 3]) })).message,
    ).toBe("bceLoss: weight must broadcast to the input's shape; got input [2] and weight [3]");
  });
});

describe("binaryCrossEntropyWithLogits with weight and posWeight", () => {
  test("posWeight p scales the positive term: p·log 2 at x = 0, y = 1; gradient (1 + (p − 1)y)σ(x) − p·y", () => {
    const x = f64([0, 0]).requireGrad();
    const loss = binaryCrossEntropyWithLogits(x, f64([1, 0]), {
      posWeight: f64([3, 3]),
      reduction: "none",
    });
    assertClose(loss, [3 * Math.log(2), Math.log(2)], { atol: 1e-12 });
    loss.sum().backward();
    assertClose(x.grad!, [3 * 0.5 - 3, 0.5], { atol: 1e-12 });
  });

  test("gradchecks with weight and per-class posWeight", () => {
    gradcheck(
      (x, y, w, p) => binaryCrossEntropyWithLogits(x, y!, { weight: w, posWeight: p }),
      [
        randomTensor([3, 2], { seed: 28, low: -3, high: 3 }),
        randomTensor([3, 2], { seed: 29, low: 0, high: 1 }),
        randomTensor([3, 1], { seed: 30, low: 0.5, high: 2 }),
        randomTensor([2], { seed: 31, low: 0.5, high: 3 }),
      ],
    );
  });

  test("a posWeight that does not broadcast is a ShapeError naming both shapes", () => {
    const e = thrown(() =>
      binaryCrossEntropyWithLogits(f64([[1, 2]]), f64([[0, 1]]), { posWeight: f64([1, 2, 3]) }),
    );
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as ShapeError).shapes).toEqual({ input: [1, 2], posWeight: [3] });
  });
});

describe("every loss checks its options", () => {
  const x = f64(logits);
  const t = labels(classes);
  const calls: [string, () => unknown][] = [
    ["crossEntropy", () => crossEntropy(x, t, { ignore_index: 1 } as never)],
    ["nllLoss", () => nllLoss(x, t, { labelSmoothing: 0.1 } as never)],
    ["mseLoss", () => mseLoss(x, x, { weight: x } as never)],
    ["l1Loss", () => l1Loss(x, x, { beta: 1 } as never)],
    ["smoothL1Loss", () => smoothL1Loss(x, x, { delta: 1 } as never)],
    ["huberLoss", () => huberLoss(x, x, { beta: 1 } as never)],
    ["kldivLoss", () => kldivLoss(x, x, { log_target: true } as never)],
    ["bceLoss", () => bceLoss(x.sigmoid(), x.sigmoid(), { posWeight: x } as never)],
    [
      "binaryCrossEntropyWithLogits",
      () => binaryCrossEntropyWithLogits(x, x, { pos_weight: x } as never),
    ],
    ["CrossEntropyLoss", () => new CrossEntropyLoss({ labelSmoothin: 0.1 } as never)],
    ["NLLLoss", () => new NLLLoss({ size_average: true } as never)],
    ["MSELoss", () => new MSELoss({ reduce: true } as never)],
    ["L1Loss", () => new L1Loss({ reduce: true } as never)],
    ["SmoothL1Loss", () => new SmoothL1Loss({ delta: 1 } as never)],
    ["HuberLoss", () => new HuberLoss({ beta: 1 } as never)],
    ["KLDivLoss", () => new KLDivLoss({ logtarget: true } as never)],
    ["BCELoss", () => new BCELoss({ posWeight: x } as never)],
    ["BCEWithLogitsLoss", () => new BCEWithLogitsLoss({ pos_weight: x } as never)],
  ];
  test.each(calls)("%s rejects an unknown option", (op, call) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(OptionError);
    expect((e as OptionError).op).toBe(op);
  });

  test("a misspelt PyTorch name gets the camelCase one as a hint", () => {
    expect((thrown(calls[0]![1]) as OptionError).suggestion).toBe("ignoreIndex");
    expect((thrown(calls[17]![1]) as OptionError).suggestion).toBe("posWeight");
  });

  test("modules check option values in the constructor, naming themselves", () => {
    expect(thrown(() => new CrossEntropyLoss({ labelSmoothing: -0.1 })).message).toBe(
      "CrossEntropyLoss: labelSmoothing must be a number in [0, 1]; got -0.1",
    );
    expect(thrown(() => new HuberLoss({ delta: -1 }))).toBeInstanceOf(ValueError);
    expect(thrown(() => new BCELoss({ weight: [1, 2] as never })).message).toBe(
      'BCELoss: weight must be a Tensor; got an array\nhint: wrap it: tensor([...], { dtype: "float32" })',
    );
    expect(thrown(() => new MSELoss({ reduction: "avg" as never })).message).toContain(
      'MSELoss: unknown reduction "avg"',
    );
  });
});

describe("loss modules", () => {
  test("forward equals the function, and errors name the module", () => {
    const weight = f64([1, 2, 3]);
    const module = new CrossEntropyLoss({ weight, labelSmoothing: 0.1, ignoreIndex: 0 });
    assertClose(
      module.forward(f64(logits), labels(classes)),
      crossEntropy(f64(logits), labels(classes), { weight, labelSmoothing: 0.1, ignoreIndex: 0 }),
      { atol: 1e-15 },
    );
    expect(thrown(() => module.forward(f64(logits), labels([0, 9]))).message).toContain(
      "CrossEntropyLoss: target 9 at flat index 1",
    );
    expect(thrown(() => new MSELoss().forward(f64([1]), f64([1, 2]))).message).toContain(
      "MSELoss: input and target must have the same shape",
    );
  });

  test("weights are buffers, even one that requires grad, and follow to()", () => {
    const weight = tensor([1, 2, 3], { requiresGrad: true });
    const module = new NLLLoss({ weight });
    expect(module.parameters()).toEqual([]);
    expect(module.buffers().map((b: Tensor) => Array.from(b.data))).toEqual([[1, 2, 3]]);
    module.to("float64");
    expect(module.weight!.dtype).toBe("float64");
    assertClose(
      module.forward(f64(logits), labels(classes)),
      nllLoss(f64(logits), labels(classes), {
        weight: f64([1, 2, 3]),
      }),
      { atol: 1e-15 },
    );
    const bce = new BCEWithLogitsLoss({ posWeight: tensor([2, 3]) });
    expect(Object.keys(bce.stateDict())).toEqual(["pos_weight"]);
    bce.loadStateDict({ pos_weight: tensor([5, 6]) });
    expect(Array.from(bce.posWeight!.data)).toEqual([5, 6]);
  });

  test("print as PyTorch's", () => {
    expect(new SmoothL1Loss({ beta: 0.5 }).toString()).toBe(
      "SmoothL1Loss(beta=0.5, reduction=mean)",
    );
    expect(new KLDivLoss({ reduction: "batchmean" }).toString()).toBe(
      "KLDivLoss(reduction=batchmean, logTarget=false)",
    );
  });
});
