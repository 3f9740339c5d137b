import { tensor } from "@tensortape/core";
import { expect, test } from "vitest";

test("the README's first example: relu(a·b) averaged, differentiated", () => {
  const a = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const b = tensor(
    [
      [0.5, -1],
      [2, 0.25],
    ],
    { requiresGrad: true },
  );
  const loss = a.matmul(b).relu().mean();
  loss.backward();
  // a·b = [[4.5, -0.5], [9.5, -2]]; relu keeps column 0; mean divides by 4.
  expect(loss.item()).toBeCloseTo((4.5 + 9.5) / 4);
  // ∂/∂a = (1/4)·1{ab > 0}·bᵀ: column 0 of the mask selects b's row entries b[k][0].
  expect(a.grad?.toArray()).toEqual([
    [0.125, 0.5],
    [0.125, 0.5],
  ]);
  expect(b.grad?.toArray()).toEqual([
    [1, 0],
    [1.5, 0],
  ]);
});
