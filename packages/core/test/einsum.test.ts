/**
 * einsum against torch.einsum in float64 (fixtures/einsum.json, made by fixtures/einsum.py):
 * values and the gradient of Σ v·einsum(...) for each operand, then gradcheck, and errors.
 */
import { einsum, matmul, ShapeError, type Tensor, tensor, ValueError } from "@tensortape/core";
import { assertClose, gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import cases from "./fixtures/einsum.json" with { type: "json" };

interface Case {
  equation: string;
  inputs: { shape: number[]; data: number[] }[];
  output: { shape: number[]; data: number[] };
  v: number[];
  grads: number[][];
}

describe("einsum against PyTorch (float64)", () => {
  for (const c of cases as Case[]) {
    test(`"${c.equation}" on ${c.inputs.map((x) => `[${x.shape.join(", ")}]`).join(", ")}`, () => {
      const xs = c.inputs.map((x) =>
        tensor(x.data, { shape: x.shape, dtype: "float64", requiresGrad: true }),
      );
      const y = einsum(c.equation, ...xs);
      expect(y.shape).toEqual(c.output.shape);
      assertClose(y.data, c.output.data, { atol: 1e-12, rtol: 1e-12 });
      const v = tensor(c.v, { shape: c.output.shape, dtype: "float64" });
      y.mul(v).sum().backward();
      xs.forEach((x, i) => {
        assertClose(x.grad?.data ?? new Float64Array(x.size), c.grads[i]!, {
          atol: 1e-12,
          rtol: 1e-12,
        });
      });
    });
  }
});

describe("einsum", () => {
  test("a matrix product is one matmul: same bits as matmul", () => {
    const a = randomTensor([5, 7], { seed: 1, dtype: "float32" });
    const b = randomTensor([7, 3], { seed: 2, dtype: "float32" });
    expect(Array.from(einsum("ij,jk->ik", a, b).data)).toEqual(Array.from(matmul(a, b).data));
  });

  test("gradcheck and gradgradcheck through contractions, diagonals and broadcasting", () => {
    const f = (a: Tensor, b: Tensor) => einsum("bii,bij->bj", a, b);
    const a = randomTensor([2, 3, 3], { seed: 3, requiresGrad: true });
    const b = randomTensor([1, 3, 2], { seed: 4, requiresGrad: true });
    expect(gradcheck(f, [a, b]).passed).toBe(true);
    expect(gradgradcheck(f, [a, b]).passed).toBe(true);
  });

  test("bad equations and shapes are typed errors naming einsum", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([1, 2, 3]);
    expect(() => einsum("ij,jk->ik", a)).toThrow(
      /einsum: "ij,jk->ik" has 2 operands but 1 tensor was given/,
    );
    expect(() => einsum("ijk", a)).toThrow(/einsum: operand 0 \[2, 2\] has 3 subscripts/);
    expect(() => einsum("ij,j->i", a, b)).toThrow(ShapeError);
    expect(() => einsum("ij,j->i", a, b)).toThrow(/subscript "j" has sizes that do not broadcast/);
    expect(() => einsum("ij->k", a)).toThrow(/output subscript "k" appears in no operand/);
    expect(() => einsum("ij->ii", a)).toThrow(/appears twice/);
    expect(() => einsum("i1", a)).toThrow(ValueError);
    expect(() => einsum("ii", tensor([[1, 2, 3]]))).toThrow(
      /repeated over axes of different sizes/,
    );
    expect(() => einsum("......", a)).toThrow(/more than one ellipsis/);
  });
});
