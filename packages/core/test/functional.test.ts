/** grad and valueAndGrad: gradients as functions, nesting, argnums, no state left behind. */
import { grad, type Tensor, tensor, ValueError, valueAndGrad } from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { expect, test } from "vitest";

test("grad of a one-argument function returns one tensor", () => {
  // d/dx Σ x³ = 3x²
  const df = grad((x: Tensor) => x.pow(3).sum());
  expect(df(tensor([1, 2])).toArray()).toEqual([3, 12]);
});

test("grad with several arguments returns one gradient per argument", () => {
  const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
  const [da, db] = grad(f)(tensor([1, 2]), tensor([3, 4]));
  expect(da?.toArray()).toEqual([3, 4]);
  expect(db?.toArray()).toEqual([1, 2]);
});

test("argnums picks the arguments, as one index or several", () => {
  const f = (a: Tensor, b: Tensor, c: Tensor) => a.mul(b).mul(c).sum();
  const args = [tensor([1]), tensor([2]), tensor([5])] as const;
  expect(grad(f, { argnums: 1 })(...args).toArray()).toEqual([5]);
  const [dc, da] = grad(f, { argnums: [2, 0] })(...args);
  expect(dc?.toArray()).toEqual([2]);
  expect(da?.toArray()).toEqual([10]);
  expect(() => grad(f, { argnums: 3 })(...args)).toThrowError(ValueError);
});

test("valueAndGrad returns the value from the same evaluation", () => {
  const [value, g] = valueAndGrad((x: Tensor) => x.square().sum())(tensor([3, 4]));
  expect(value.item()).toBe(25);
  expect(g.toArray()).toEqual([6, 8]);
  expect(value.requiresGrad).toBe(false);
});

test("grad leaves no state behind: the argument's .grad stays null", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  grad((t: Tensor) => t.exp().sum())(x);
  expect(x.grad).toBeNull();
});

test("grad of grad is the second derivative: d²/dx² sin x = −sin x", () => {
  const x = tensor([0.3, 1.2, -2], { dtype: "float64" });
  // sin is elementwise, so ∂/∂x_i Σ_j cos x_j = −sin x_i.
  const d1 = grad((t: Tensor) => t.sin().sum());
  const d2 = grad((t: Tensor) => d1(t).sum());
  assertClose(d2(x), x.sin().neg(), { atol: 1e-12 });
});

test("grad of a non-scalar function says it needs a scalar", () => {
  expect(() => grad((t: Tensor) => t.mul(2))(tensor([1, 2]))).toThrowError(/scalar output/);
});

test("grad accepts plain numbers", () => {
  expect(grad((x: Tensor) => x.square())(3).item()).toBe(6);
});
