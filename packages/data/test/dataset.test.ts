import { DTypeError, ShapeError, tensor, ValueError } from "@tensortape/core";
import { oneHot, randomSplit, Subset, TensorDataset } from "@tensortape/data";
import { describe, expect, test } from "vitest";

const x = tensor([
  [1, 2],
  [3, 4],
  [5, 6],
]);
const y = tensor([7, 8, 9], { dtype: "int32" });

describe("TensorDataset", () => {
  test("example i is row i of x and of y, copied", () => {
    const dataset = new TensorDataset(x, y);
    expect(dataset.length).toBe(3);
    const { x: xi, y: yi } = dataset.get(1);
    expect(xi.toArray()).toEqual([3, 4]);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(8);
    xi.data[0] = 100;
    expect(x.data[2]).toBe(3);
  });

  test("x and y of different lengths, or scalars, are rejected", () => {
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow(ShapeError);
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow(
      "TensorDataset: x and y need the same length along their first axis; got x [3, 2] and y [2]",
    );
    expect(() => new TensorDataset(tensor(1), tensor(1))).toThrow(ShapeError);
  });

  test("an index out of range is named", () => {
    const dataset = new TensorDataset(x, y);
    expect(() => dataset.get(3)).toThrow(ValueError);
    expect(() => dataset.get(-1)).toThrow(
      "TensorDataset.get: index -1 is out of range for a data set of length 3",
    );
    expect(() => dataset.get(0.5)).toThrow(ValueError);
  });
});

describe("randomSplit", () => {
  const dataset = new TensorDataset(
    tensor(new Float32Array(10), { shape: [10] }),
    tensor(new Float32Array(10), { shape: [10] }),
  );

  test("counts: disjoint subsets that cover the data set", () => {
    const parts = randomSplit(dataset, [6, 3, 1], { seed: 4 });
    expect(parts.map((p) => p.length)).toEqual([6, 3, 1]);
    const all = parts.flatMap((p) => Array.from(p.indices));
    expect([...all].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parts[0]!.dataset).toBe(dataset);
  });

  test("fractions: rounded down, the leftovers one each to the first subsets", () => {
    // Of 10: 0.25 → 2.5 → 2, twice, and 0.5 → 5; the one left over goes to the first subset.
    expect(randomSplit(dataset, [0.25, 0.25, 0.5]).map((p) => p.length)).toEqual([3, 2, 5]);
    expect(randomSplit(dataset, [0.9, 0.1]).map((p) => p.length)).toEqual([9, 1]);
    // 10 / 3 → 3, three times; the one left over goes to the first subset.
    expect(randomSplit(dataset, [1 / 3, 1 / 3, 1 / 3]).map((p) => p.length)).toEqual([4, 3, 3]);
  });

  test("the same seed gives the same split; another seed another", () => {
    const a = randomSplit(dataset, [5, 5], { seed: 1 });
    const b = randomSplit(dataset, [5, 5], { seed: 1 });
    const c = randomSplit(dataset, [5, 5], { seed: 2 });
    expect(Array.from(b[0]!.indices)).toEqual(Array.from(a[0]!.indices));
    expect(Array.from(c[0]!.indices)).not.toEqual(Array.from(a[0]!.indices));
  });

  test("lengths that are neither counts nor fractions of the whole are rejected", () => {
    expect(() => randomSplit(dataset, [5, 4])).toThrow(ValueError);
    expect(() => randomSplit(dataset, [5, 4])).toThrow(
      "randomSplit: lengths must be counts that sum to the data set's length 10 or fractions that sum to 1; got [5, 4]",
    );
    expect(() => randomSplit(dataset, [0.5, 0.6])).toThrow(ValueError);
    expect(() => randomSplit(dataset, [])).toThrow(ValueError);
    expect(() => randomSplit(dataset, [11, -1])).toThrow(ValueError);
    expect(() => randomSplit(dataset, [5, 5], { seed: 1.5 })).toThrow(ValueError);
  });
});

describe("Subset", () => {
  test("reads through its indices, which must lie in the data set", () => {
    const subset = new Subset(new TensorDataset(x, y), [2, 0]);
    expect(subset.length).toBe(2);
    expect(subset.get(0).y.item()).toBe(9);
    expect(subset.get(1).x.toArray()).toEqual([1, 2]);
    expect(() => subset.get(2)).toThrow(ValueError);
    expect(() => new Subset(new TensorDataset(x, y), [3])).toThrow(
      "Subset: index 3 is out of range for a data set of length 3",
    );
  });
});

describe("oneHot", () => {
  test("labels [N] → [N, numClasses]", () => {
    const out = oneHot(tensor([2, 0, 1], { dtype: "int32" }), 3);
    expect(out.dtype).toBe("float32");
    expect(out.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  test("any shape of labels, and another dtype", () => {
    const out = oneHot(tensor([[1], [0]], { dtype: "int32" }), 2, { dtype: "float64" });
    expect(out.shape).toEqual([2, 1, 2]);
    expect(out.dtype).toBe("float64");
    expect(out.toArray()).toEqual([[[0, 1]], [[1, 0]]]);
  });

  test("labels outside [0, numClasses), or not int32, are rejected", () => {
    const labels = tensor([0, 3], { dtype: "int32" });
    expect(() => oneHot(labels, 3)).toThrow(ValueError);
    expect(() => oneHot(labels, 3)).toThrow("oneHot: label 3 at flat index 1 is outside [0, 3)");
    expect(() => oneHot(tensor([-1], { dtype: "int32" }), 3)).toThrow(ValueError);
    expect(() => oneHot(tensor([1, 0]), 3)).toThrow(DTypeError);
    expect(() => oneHot(labels, 0)).toThrow(ValueError);
  });
});
