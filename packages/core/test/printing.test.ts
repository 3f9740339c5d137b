/** toString prints like PyTorch: aligned columns, four decimals, summaries past 1000 elements. */
import { arange, tensor } from "@tensortape/core";
import { expect, test } from "vitest";

test("a matrix, aligned", () => {
  expect(
    tensor([
      [1, -2.5],
      [3, 4],
    ]).toString(),
  ).toBe("tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])");
});

test("a scalar, integers, booleans and the graph", () => {
  expect(tensor(2).toString()).toBe("tensor(2.0000)");
  expect(arange(3).toString()).toBe("tensor([0, 1, 2], dtype=int32)");
  expect(tensor([1, 0], { dtype: "bool" }).toString()).toBe("tensor([ true, false], dtype=bool)");
  const x = tensor([1], { requiresGrad: true });
  expect(x.toString()).toBe("tensor([1.0000], requiresGrad=true)");
  expect(x.exp().toString()).toBe("tensor([2.7183], gradFn=exp)");
});

test("large tensors are summarised with ...", () => {
  const s = arange(2000).toString();
  expect(s).toBe("tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)");
});

test("wide magnitude ranges switch to scientific notation", () => {
  expect(tensor([1e-8, 1]).toString()).toBe("tensor([1.0000e-8, 1.0000e+0])");
});
