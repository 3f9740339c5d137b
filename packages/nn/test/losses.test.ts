import { DTypeError, ShapeError, tensor } from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import {
  accuracy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
  nllLoss,
  type Reduction,
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

  test("gradchecks for both kinds of target, and on [B, T, C] logits", () => {
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
      [randomTensor([2, 2, 3], { seed: 4 })],
    );
  });

  test("errors name crossEntropy and say what was expected", () => {
    const x = f64(logits);
    expect(() => crossEntropy(x, labels([0, 3]))).toThrow(
      "crossEntropy: target 3 at flat index 1 is not a class index in [0, 3)",
    );
    expect(() => crossEntropy(x, labels([0, 1, 2]))).toThrow(ShapeError);
    expect(() => crossEntropy(x, labels([0, 1, 2]))).toThrow(
      "crossEntropy: target must have the input's shape without its class axis, [2]; got input [2, 3] and target [3]",
    );
    expect(() => crossEntropy(x, f64([0, 1]))).toThrow(
      "class-probability targets must have the logits' shape",
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
