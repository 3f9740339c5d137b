/**
 * The float64-only half of ops-reduction-shape.test.ts, which runs on the CPU only: gradcheck
 * and gradgradcheck where PyTorch's rules need care (zeros in prod and cumprod, the norm at
 * zero). Central differences and second derivatives need float64, which WebGPU lacks; the
 * GPU's first derivatives of these ops are held to the CPU's in webgpu/op-gradients.test.ts.
 */
import {
  cummax,
  cumprod,
  cumsum,
  diagonal,
  logcumsumexp,
  norm,
  pad,
  prod,
  roll,
  std,
  type Tensor,
  tensor,
  var as variance,
} from "@tensortape/core";
import { gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

const r = (shape: number[], seed: number, awayFrom?: number[]) =>
  randomTensor(shape, { seed, awayFrom, margin: 0.1 });

/** x with zeros written at the flat positions given: the points where prod's rules need care. */
function withZeros(x: Tensor, positions: number[]): Tensor {
  const data = Float64Array.from(x.data);
  for (const p of positions) data[p] = 0;
  return tensor(data, { dtype: "float64", shape: x.shape });
}

describe("gradients and second derivatives against finite differences", () => {
  // prod and cumprod are polynomials, so central differences are exact up to rounding even
  // at zeros, where a rule dividing by x would fail.
  const cases: [string, (x: Tensor) => Tensor, Tensor][] = [
    ["prod with one zero per row", (x) => prod(x, 1), withZeros(r([3, 4], 1), [1, 6])],
    ["prod with two zeros in a row", (x) => prod(x, -1), withZeros(r([2, 4], 2), [0, 3])],
    [
      "prod over two axes with a zero",
      (x) => prod(x, [0, 2], true),
      withZeros(r([2, 3, 2], 3), [4]),
    ],
    ["cumprod with zeros", (x) => cumprod(x, 1), withZeros(r([3, 5], 4), [0, 7, 9, 12])],
    ["cumprod with zeros along axis 0", (x) => cumprod(x, 0), withZeros(r([4, 3], 5), [3, 4, 10])],
    ["cumsum broadcast into a product", (x) => cumsum(x, 0).mul(x), r([3, 2], 6)],
    ["logcumsumexp", (x) => logcumsumexp(x, -1), r([2, 5], 7)],
    ["var", (x) => variance(x, 1, { correction: 0 }), r([3, 4], 8)],
    ["std", (x) => std(x, [0, 1]), r([3, 4], 9)],
    ["norm 3", (x) => norm(x, 3, 0), r([3, 2], 10, [0])],
    ["norm 2", (x) => norm(x, 2, -1), r([3, 2], 11)],
    ["pad reflect", (x) => pad(x, [2, 2], { mode: "reflect" }).square(), r([2, 4], 12)],
    ["roll", (x) => roll(x, [1, 1], [0, 1]).mul(x), r([3, 3], 13)],
    ["diagonal", (x) => diagonal(x, 1, -1, -2).square(), r([2, 3, 4], 14)],
    ["cummax", (x) => cummax(x, 1).values.square(), r([3, 4], 15)],
  ];
  for (const [name, f, x] of cases) {
    test(name, () => {
      expect(gradcheck(f, [x]).passed).toBe(true);
      expect(gradgradcheck(f, [x]).passed).toBe(true);
    });
  }
});
