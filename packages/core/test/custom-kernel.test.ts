import { defineKernel, tensor, ValueError } from "@tensortape/core";
import { expect, test } from "vitest";

const double = defineKernel({
  name: "double",
  wgsl: "fn compute(i: u32) -> f32 { return 2.0 * input0(i); }",
  cpu: ([x], out) => {
    for (let i = 0; i < out.length; i++) out[i] = 2 * x![i]!;
  },
});

test("a kernel runs its CPU loop on CPU tensors, keeping shape and dtype by default", () => {
  const y = double(
    tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float64" },
    ),
  );
  expect(y.dtype).toBe("float64");
  expect(y.toArray()).toEqual([
    [2, 4],
    [6, 8],
  ]);
  // No gradient is recorded: a kernel is made differentiable inside a defineOp.
  expect(double(tensor([1]).requireGrad()).requiresGrad).toBe(false);
});

test("a kernel without fn compute, without a CPU loop or without inputs is refused by name", () => {
  expect(() => defineKernel({ name: "k", wgsl: "fn f() {}", cpu: () => {} })).toThrow(
    'defineKernel: kernel "k": wgsl must define fn compute(i: u32)',
  );
  expect(() =>
    defineKernel({ name: "k", wgsl: "fn compute(i: u32) -> f32 { return 0.0; }" } as never),
  ).toThrow(ValueError);
  expect(() => double()).toThrow("double: a kernel needs at least one input tensor");
});
