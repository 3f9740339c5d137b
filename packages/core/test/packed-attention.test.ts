/**
 * packedAttention: self-attention over qkv [..., L, 3, H, E] gives the bits of
 * scaledDotProductAttention with sequenceFirst over qkv's three parts taken apart, forward
 * and backward (its gradient is the three parts' gradients packed), on every backend: the
 * WebAssembly kernels read the parts in place, the composition permutes each into scratch.
 * Also dropout, empty inputs and the typed errors. The webgpu-ops project runs this file again
 * on the GPU, in float32 (on-device.ts); gradgradcheck is in attention-float64.test.ts.
 */
import {
  Generator,
  gradients,
  packedAttention,
  ShapeError,
  scaledDotProductAttention,
  stack,
  type Tensor,
  unbind,
  ValueError,
  zeros,
} from "@tensortape/core";
import { randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { onTestDevice, widestFloat } from "./on-device.js";

const input = (shape: number[], seed: number, dtype: "float32" | "float64" = widestFloat) =>
  onTestDevice(randomTensor(shape, { seed, low: -1.5, high: 1.5 }))
    .cast(dtype)
    .requireGrad();

/** Elements of a and b whose bits differ (a count, not a diff of thousands of elements). */
function mismatches(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.data, b.data];
  let count = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) count++;
  return count;
}

/** Attention over qkv's parts taken apart: what packedAttention is defined as. */
function unpacked(qkv: Tensor, options: object): Tensor {
  const [q, k, v] = unbind(qkv, -3) as [Tensor, Tensor, Tensor];
  return scaledDotProductAttention(q, k, v, { ...options, sequenceFirst: true });
}

describe("packedAttention: the bits of attention over the parts", () => {
  const masks = (dtype: string): [string, object][] => [
    ["no mask", {}],
    ["causal", { isCausal: true }],
    ["causal, scale", { isCausal: true, scale: 0.3 }],
    ["a bool mask [L, L]", { attnMask: onTestDevice(randomTensor([6, 6], { seed: 60 })).gt(0) }],
    [
      "a key-padding mask [B, 1, 1, L]",
      { attnMask: onTestDevice(randomTensor([2, 1, 1, 6], { seed: 61 })).gt(-0.5) },
    ],
    [
      "a float mask with a gradient",
      {
        attnMask: onTestDevice(randomTensor([3, 6, 6], { seed: 62 }))
          .cast(dtype as "float32")
          .requireGrad(),
      },
    ],
  ];
  for (const dtype of [widestFloat, "float32"] as const) {
    test(`${dtype}: values and gradients`, () => {
      // Batch 2, 6 positions, 3 heads of size 5: rows of q, k and v 45 elements apart.
      const qkv = input([2, 6, 3, 3, 5], 63, dtype);
      const upstream = onTestDevice(randomTensor([2, 6, 3, 5], { seed: 64 })).cast(dtype);
      for (const [name, options] of masks(dtype)) {
        const out = packedAttention(qkv, options);
        const expected = unpacked(qkv, options);
        expect(out.shape).toEqual([2, 6, 3, 5]);
        expect(mismatches(out, expected), name).toBe(0);
        const mask = (options as { attnMask?: Tensor }).attnMask;
        const wrt = mask?.requiresGrad ? [qkv, mask] : [qkv];
        const got = gradients(out, wrt, upstream);
        const want = gradients(expected, wrt, upstream);
        for (const [i, g] of got.entries()) {
          expect(mismatches(g!, want[i]!), `${name}: gradient ${i}`).toBe(0);
        }
      }
    });
  }

  test("more products than threads split, a depth past a packing slice, no batch", () => {
    // 16 × 4 heads of 33 positions (partial vectors), E = 40; and [L, 3, H, E] alone.
    for (const shape of [
      [16, 33, 3, 4, 40],
      [9, 3, 2, 8],
    ]) {
      const qkv = input(shape, 65, "float32");
      const out = packedAttention(qkv, { isCausal: true });
      const [q, k, v] = unbind(qkv.detach(), -3).map((t) => t.requireGrad()) as Tensor[];
      const expected = scaledDotProductAttention(q!, k!, v!, {
        isCausal: true,
        sequenceFirst: true,
      });
      expect(mismatches(out, expected)).toBe(0);
      const [g] = gradients(out.square().sum(), [qkv]);
      const parts = gradients(expected.square().sum(), [q!, k!, v!]);
      expect(mismatches(g!, stack(parts as Tensor[], -3))).toBe(0);
    }
  });

  test("dropout: the same weights dropped as over the parts, and the same gradient", () => {
    const qkv = input([2, 5, 3, 2, 4], 66);
    const out = packedAttention(qkv, { dropoutP: 0.3, generator: new Generator(8) });
    const expected = unpacked(qkv, { dropoutP: 0.3, generator: new Generator(8) });
    expect(mismatches(out, expected)).toBe(0);
    const [g] = gradients(out.sum(), [qkv]);
    const [want] = gradients(expected.sum(), [qkv]);
    expect(mismatches(g!, want!)).toBe(0);
  });

  test("no positions: an empty output", () => {
    const out = packedAttention(zeros([2, 0, 3, 2, 4]));
    expect(out.shape).toEqual([2, 0, 2, 4]);
  });

  test("typed errors name the op and the shape as given", () => {
    const notPacked = () => packedAttention(zeros([2, 5, 12]));
    expect(notPacked).toThrow(ShapeError);
    expect(notPacked).toThrow(
      "packedAttention: qkv must be [..., L, 3, H, E]: each position's query, key and value for every head; got qkv [2, 5, 12]",
    );
    expect(() => packedAttention(zeros([5, 2, 4, 8]))).toThrow(/got qkv \[5, 2, 4, 8\]/);
    expect(() =>
      packedAttention(zeros([2, 5, 3, 2, 4]), { attnMask: zeros([5, 4], { dtype: "bool" }) }),
    ).toThrow(
      "packedAttention: attnMask must broadcast to the attention weights [..., L, S] = [2, 2, 5, 5]; got qkv [2, 5, 3, 2, 4] and attnMask [5, 4]",
    );
    expect(() =>
      packedAttention(zeros([5, 3, 2, 4]), { isCausal: true, attnMask: zeros([5, 5]) }),
    ).toThrow(ValueError);
    expect(() => packedAttention(zeros([5, 3, 2, 4], { dtype: "int32" }))).toThrow(
      /packedAttention/,
    );
    expect(() =>
      packedAttention(zeros([5, 3, 2, 4]), { sequenceFirst: true } as unknown as object),
    ).toThrow(/packedAttention.*sequenceFirst/);
  });
});
