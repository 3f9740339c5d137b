/**
 * matmul's `scale`: the bits of mul(matmul(a, b), scale), forward and through the backward
 * rule (whose products carry the same scale), in float32 and float64, transposed, batched and
 * broadcast; and the typed errors. Gradients against finite differences are in the op table
 * (op-cases.ts).
 */
import {
  gradients,
  matmul,
  mul,
  randn,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

/** Index of the first element whose bits differ (NaN equal to NaN), or -1. */
function firstDifference(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.data, b.data];
  return x.findIndex((v, i) => !Object.is(v, y[i]));
}

describe("matmul with a scale", () => {
  const cases = [
    { name: "2-D", a: [5, 7], b: [7, 3], options: {} },
    { name: "transB, batched", a: [4, 6, 9], b: [4, 5, 9], options: { transB: true } },
    {
      name: "transA, broadcast batch",
      a: [2, 1, 9, 6],
      b: [3, 9, 4],
      options: { transA: true },
      broadcast: true,
    },
    { name: "a batch times a matrix", a: [3, 8, 6], b: [6, 5], options: {} },
    { name: "vector · matrix", a: [6], b: [6, 4], options: {} },
  ] as const;
  for (const dtype of ["float32", "float64"] as const) {
    for (const c of cases) {
      test(`${dtype} ${c.name}: value and gradients have the bits of a product then a multiply`, () => {
        const scale = 1 / Math.sqrt(7);
        const a = randn([...c.a], { dtype }).requireGrad();
        const b = randn([...c.b], { dtype }).requireGrad();
        const fused = matmul(a, b, { ...c.options, scale });
        const separate = mul(matmul(a, b, c.options), scale);
        expect(firstDifference(fused, separate), "value").toBe(-1);
        const g = randn(fused.shape, { dtype });
        const [da, db] = gradients(fused, [a, b], g);
        // The rule's products carry the scale: dA = s·g·op(B)ᵀ, rounded once after the sum.
        const [ea, eb] = gradients(matmul(a, b, c.options), [a, b], g);
        const scaledA = mul(ea!, scale);
        const scaledB = mul(eb!, scale);
        // Both are s·(the unscaled gradient's sums): the same bits when each product's sum
        // is rounded once and then scaled, which is what a scale applied after the product is.
        // Operands broadcast over the batch sum their products' gradients after scaling
        // them, so there the scale is applied before the last additions: close, not equal.
        if ("broadcast" in c) {
          const tolerance =
            dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-13, atol: 1e-14 };
          assertClose(da!, scaledA, tolerance);
          assertClose(db!, scaledB, tolerance);
        } else {
          expect(firstDifference(da!, scaledA), "dA").toBe(-1);
          expect(firstDifference(db!, scaledB), "dB").toBe(-1);
        }
      });
    }
  }

  test("a scale of 1 leaves the product as it is; a scale of 0 zeroes it (NaN stays NaN)", () => {
    const a = tensor([
      [1.5, Number.NaN],
      [2, 3],
    ]);
    const b = tensor([
      [0.25, 1],
      [4, -2],
    ]);
    expect(firstDifference(matmul(a, b, { scale: 1 }), matmul(a, b))).toBe(-1);
    expect(matmul(a, b, { scale: 0 }).toArray()).toEqual([
      [Number.NaN, Number.NaN],
      [0, -0],
    ]);
  });

  test("typed errors: a scale that is not a number, an integer product scaled", () => {
    const x = zeros([2, 2]);
    expect(() => matmul(x, x, { scale: "2" as unknown as number })).toThrow(ValueError);
    expect(() => matmul(x, x, { scale: "2" as unknown as number })).toThrow(
      "matmul: scale must be a number; got 2",
    );
    const i = zeros([2, 2], { dtype: "int32" });
    expect(() => matmul(i, i, { scale: 2 })).toThrow(/matmul/);
    expect(() => matmul(i, i, { scale: 2 })).toThrow(/float/);
  });
});
