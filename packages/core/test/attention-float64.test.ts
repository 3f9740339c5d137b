/**
 * The float64-only half of attention.test.ts, which runs on the CPU only: gradcheck and
 * gradgradcheck of scaledDotProductAttention (gradgradcheck differentiates the backward pass
 * in float64, which WebGPU lacks; the GPU's first derivatives are held to the CPU's in
 * webgpu/op-gradients.test.ts and gradchecked in float32 in webgpu/gradcheck.test.ts), and
 * the error for mixing float32 with float64.
 */
import {
  Generator,
  packedAttention,
  scaledDotProductAttention,
  type Tensor,
  tensor,
  zeros,
} from "@tensortape/core";
import { gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

const r = (shape: number[], seed: number) =>
  randomTensor(shape, { seed, low: -1.5, high: 1.5 }).requireGrad();

describe("dropout on the attention weights", () => {
  const q = r([2, 3, 4], 7);
  const k = r([2, 5, 4], 8);
  const v = r([2, 5, 3], 9);

  test("gradcheck with a fixed dropout mask", () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) =>
      scaledDotProductAttention(a, b, c, { dropoutP: 0.3, generator: new Generator(5) });
    expect(gradcheck(f, [q, k, v]).passed).toBe(true);
    expect(gradgradcheck(f, [q, k, v]).passed).toBe(true);
  });
});

describe("v's batch dimensions wider than q's and k's", () => {
  // The output, and so the weights' gradient g·vᵀ, takes v's batch shape, which the weights
  // (of q's and k's) broadcast to.
  const f = (a: Tensor, b: Tensor, c: Tensor) => scaledDotProductAttention(a, b, c);
  test("a batch of one against two, and a batch axis q and k lack", () => {
    expect(gradcheck(f, [r([1, 3, 4], 20), r([1, 5, 4], 21), r([2, 5, 2], 22)]).passed).toBe(true);
    expect(gradcheck(f, [r([3, 4], 23), r([5, 4], 24), r([2, 5, 2], 25)]).passed).toBe(true);
    expect(gradgradcheck(f, [r([1, 2, 3], 26), r([1, 3, 3], 27), r([2, 3, 2], 28)]).passed).toBe(
      true,
    );
  });
});

describe("second derivatives", () => {
  test("gradgradcheck: bool mask, batch and heads", () => {
    const mask = tensor([1, 0, 1, 1, 1, 0], { shape: [2, 3], dtype: "bool" });
    const f = (a: Tensor, b: Tensor, c: Tensor) =>
      scaledDotProductAttention(a, b, c, { attnMask: mask });
    expect(
      gradgradcheck(f, [r([2, 2, 2, 3], 10), r([2, 2, 3, 3], 11), r([2, 2, 3, 2], 12)]).passed,
    ).toBe(true);
  });

  test("gradgradcheck: causal, and a float mask with a gradient", () => {
    const causal = (a: Tensor, b: Tensor, c: Tensor) =>
      scaledDotProductAttention(a, b, c, { isCausal: true });
    expect(gradgradcheck(causal, [r([3, 2], 13), r([4, 2], 14), r([4, 2], 15)]).passed).toBe(true);
    const masked = (a: Tensor, b: Tensor, c: Tensor, m: Tensor) =>
      scaledDotProductAttention(a, b, c, { attnMask: m });
    expect(
      gradgradcheck(masked, [r([2, 3], 16), r([3, 3], 17), r([3, 2], 18), r([2, 3], 19)]).passed,
    ).toBe(true);
  });
});

describe("sequenceFirst", () => {
  // The backward kernel's gradients, and, differentiated again, the rule written with ops on
  // the swapped axes.
  test("gradcheck and gradgradcheck: causal and a float mask with a gradient", () => {
    const q = r([2, 3, 2, 4], 30);
    const k = r([2, 5, 2, 4], 31);
    const v = r([2, 5, 2, 3], 32);
    const causal = (a: Tensor, b: Tensor, c: Tensor) =>
      scaledDotProductAttention(a, b, c, {
        isCausal: true,
        sequenceFirst: true,
      });
    expect(gradcheck(causal, [q, k, v]).passed).toBe(true);
    expect(gradgradcheck(causal, [q, k, v]).passed).toBe(true);
    const masked = (a: Tensor, b: Tensor, c: Tensor, m: Tensor) =>
      scaledDotProductAttention(a, b, c, { attnMask: m, sequenceFirst: true });
    const mask = r([3, 5], 33);
    expect(gradcheck(masked, [q, k, v, mask]).passed).toBe(true);
    expect(gradgradcheck(masked, [q, k, v, mask]).passed).toBe(true);
  });
});

describe("packedAttention", () => {
  // The backward kernel's packed gradient, and, differentiated again, the rule written with
  // ops on the parts taken apart; dropout goes through scaledDotProductAttention's.
  test("gradcheck and gradgradcheck: causal, a float mask with a gradient, dropout", () => {
    const qkv = r([2, 4, 3, 2, 3], 34);
    const causal = (x: Tensor) => packedAttention(x, { isCausal: true });
    expect(gradcheck(causal, [qkv]).passed).toBe(true);
    expect(gradgradcheck(causal, [qkv]).passed).toBe(true);
    const masked = (x: Tensor, m: Tensor) => packedAttention(x, { attnMask: m });
    const mask = r([2, 4, 4], 35);
    expect(gradcheck(masked, [qkv, mask]).passed).toBe(true);
    expect(gradgradcheck(masked, [qkv, mask]).passed).toBe(true);
    const dropped = (x: Tensor) =>
      packedAttention(x, { dropoutP: 0.3, generator: new Generator(6) });
    expect(gradcheck(dropped, [qkv]).passed).toBe(true);
    expect(gradgradcheck(dropped, [qkv]).passed).toBe(true);
  });
});

test("q, k and v of different float dtypes are refused", () => {
  const q = zeros([2, 3, 4]);
  const v = zeros([2, 5, 6]);
  expect(() => scaledDotProductAttention(q, zeros([2, 5, 4], { dtype: "float64" }), v)).toThrow(
    /q, k and v must share a dtype/,
  );
});
