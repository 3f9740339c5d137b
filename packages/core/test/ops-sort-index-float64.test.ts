/**
 * The float64-only half of ops-sort-index.test.ts, which runs on the CPU only: gradcheck and
 * gradgradcheck of the sorting and indexing ops (gradgradcheck differentiates the backward
 * pass in float64, which WebGPU lacks; the GPU's first derivatives of these ops are held to
 * the CPU's in webgpu/op-gradients.test.ts), and the error for mixing float32 with float64.
 */
import {
  DTypeError,
  indexSelect,
  kthvalue,
  maskedFill,
  maskedSelect,
  median,
  scatter,
  scatterReduce,
  searchsorted,
  sort,
  type Tensor,
  tensor,
  topk,
} from "@tensortape/core";
import { gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

const i32 = (values: number[], shape = [values.length]) =>
  tensor(values, { dtype: "int32", shape });
const mask = (values: number[], shape = [values.length]) =>
  tensor(values, { dtype: "bool", shape });

describe("second derivatives and gradcheck", () => {
  const r = (shape: number[], seed: number) => randomTensor(shape, { seed, low: -2, high: 2 });
  const cube = (x: Tensor) => x.mul(x).mul(x);
  const cases: [string, (x: Tensor, y: Tensor) => Tensor, number[], number[]][] = [
    ["sort", (x) => cube(sort(x, 1).values), [3, 4], [1]],
    ["topk", (x) => cube(topk(x, 2, 0).values), [4, 3], [1]],
    ["kthvalue", (x) => cube(kthvalue(x, 2, -1).values), [3, 4], [1]],
    ["median", (x) => cube(median(x, 1).values), [3, 5], [1]],
    ["median all", (x) => cube(median(x)), [3, 5], [1]],
    ["indexSelect", (x) => cube(indexSelect(x, 0, i32([2, 0, 2]))), [3, 2], [1]],
    ["maskedFill", (x, v) => cube(maskedFill(x, mask([1, 0, 1]), v.sum())), [2, 3], [2]],
    ["maskedSelect", (x) => cube(maskedSelect(x, mask([1, 0, 1]))), [2, 3], [1]],
    ["scatter", (x, s) => cube(scatter(x, 1, i32([2, 0, 0, 2], [2, 2]), s)), [2, 3], [2, 2]],
    ["index", (x) => cube(x.index(i32([1, 0, 1]), ":", i32([2]))), [2, 2, 3], [1]],
  ];
  for (const reduce of ["sum", "prod", "mean", "amax", "amin"] as const) {
    for (const includeSelf of [true, false]) {
      cases.push([
        `scatterReduce ${reduce} includeSelf ${includeSelf}`,
        (x, s) =>
          cube(
            scatterReduce(x, 1, i32([0, 2, 0, 0, 1, 1, 2, 1], [2, 4]), s, reduce, { includeSelf }),
          ),
        [2, 3],
        [2, 4],
      ]);
    }
  }
  for (const [name, f, xs, ys] of cases) {
    test(name, () => {
      const inputs = [r(xs, 3), r(ys, 4)];
      expect(gradcheck(f, inputs).passed).toBe(true);
      expect(gradgradcheck(f, inputs).passed).toBe(true);
    });
  }
});

test("searchsorted refuses float32 with float64", () => {
  expect(() => searchsorted(tensor([1, 2]), tensor([1], { dtype: "float64" }))).toThrow(DTypeError);
});
