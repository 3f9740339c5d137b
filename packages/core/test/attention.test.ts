/**
 * scaledDotProductAttention against PyTorch 2.13's F.scaled_dot_product_attention in float64
 * (fixtures/attention.json, written by attention.py): outputs and the gradients of q, k, v
 * and a float mask, with bool and additive masks, causal masks with L < S and L > S,
 * cross-attention, batch and head dimensions, and fully masked rows. Then hand-derived
 * cases, dropout and the typed errors. The webgpu-ops project runs this file again on the
 * GPU, in float32 (on-device.ts); gradcheck and second derivatives, which need float64, are
 * in attention-float64.test.ts.
 */
import {
  DTypeError,
  Generator,
  gradients,
  OptionError,
  ones,
  ShapeError,
  scaledDotProductAttention,
  softmax,
  swapAxes,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { assertClose, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import fixture from "./fixtures/attention.json" with { type: "json" };
import { closeTo, onGpu, onTestDevice, widestFloat } from "./on-device.js";

type Nested = number | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const f64 = (v: Nested, shape: readonly number[], requiresGrad = false) =>
  tensor(flat(v), { shape, dtype: widestFloat, requiresGrad });

interface Case {
  readonly name: string;
  readonly q: Nested;
  readonly k: Nested;
  readonly v: Nested;
  readonly shapes: number[][];
  readonly output: Nested;
  readonly outputShape: number[];
  readonly upstream: Nested;
  readonly grads: Nested[];
  readonly maskKind?: "bool" | "float";
  readonly mask?: (number | string)[];
  readonly maskShape?: number[];
  readonly maskGrad?: Nested;
  readonly isCausal?: boolean;
  readonly scale?: number;
}

function maskOf(c: Case): Tensor | undefined {
  if (!c.mask || !c.maskShape) return undefined;
  const values = c.mask.map((x) => (x === "-inf" ? -Infinity : (x as number)));
  return c.maskKind === "bool"
    ? tensor(values, { shape: c.maskShape, dtype: "bool" })
    : tensor(values, { shape: c.maskShape, dtype: widestFloat, requiresGrad: !!c.maskGrad });
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

const r = (shape: number[], seed: number) =>
  onTestDevice(randomTensor(shape, { seed, low: -1.5, high: 1.5 })).requireGrad();

describe("scaledDotProductAttention matches PyTorch (float64)", () => {
  test.each((fixture.cases as Case[]).map((c) => [c.name, c] as const))("%s", (_, c) => {
    const [q, k, v] = [c.q, c.k, c.v].map((x, i) => f64(x, c.shapes[i]!, true)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const mask = maskOf(c);
    const out = scaledDotProductAttention(q, k, v, {
      attnMask: mask,
      ...(c.isCausal ? { isCausal: true } : {}),
      ...(c.scale !== undefined ? { scale: c.scale } : {}),
    });
    expect(out.shape).toEqual(c.outputShape);
    assertClose(out, f64(c.output, c.outputShape), closeTo(1e-12, 1e-12));
    const wrt = mask?.requiresGrad ? [q, k, v, mask] : [q, k, v];
    const grads = gradients(out, wrt, f64(c.upstream, c.outputShape));
    c.grads.forEach((g, i) => {
      assertClose(grads[i]!, f64(g, c.shapes[i]!), closeTo(1e-10, 1e-12));
    });
    if (c.maskGrad) {
      assertClose(grads[3]!, f64(c.maskGrad, c.maskShape!), closeTo(1e-10, 1e-12));
    }
  });
});

describe("scaledDotProductAttention by hand", () => {
  test("one query, two keys: softmax of the scaled scores weights the values", () => {
    // scores = [1·1, 1·3]/√1 = [1, 3]; weights = softmax([1, 3]); out = w·[10, 20]
    const q = tensor([[1]]);
    const k = tensor([[1], [3]]);
    const v = tensor([[10], [20]]);
    const w0 = 1 / (1 + Math.exp(2));
    const out = scaledDotProductAttention(q, k, v);
    expect(out.item()).toBeCloseTo(10 * w0 + 20 * (1 - w0), 5);
  });

  test("the default scale is 1/√E", () => {
    const q = r([2, 4], 1);
    const k = r([3, 4], 2);
    const v = r([3, 2], 3);
    const expected = softmax(q.matmul(k.T).mul(0.5), -1).matmul(v);
    assertClose(scaledDotProductAttention(q, k, v), expected, closeTo(1e-12, 1e-12));
  });

  test("masks broadcast within [L, S] and over heads: a key-padding mask [B, 1, 1, S] and a row [S]", () => {
    const q = r([2, 3, 4, 5], 30);
    const k = r([2, 3, 6, 5], 31);
    const v = r([2, 3, 6, 2], 32);
    const padding = tensor([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0], {
      shape: [2, 1, 1, 6],
      dtype: "bool",
    });
    const row = onTestDevice(randomTensor([6], { seed: 33 })).cast(q.dtype);
    const additive = (m: Tensor) =>
      m.dtype === "bool"
        ? zeros(m.shape, { dtype: q.dtype }).maskedFill(m.logicalNot(), -Infinity)
        : m;
    for (const mask of [onTestDevice(padding), row]) {
      const out = scaledDotProductAttention(q, k, v, { attnMask: mask });
      const scores = q
        .matmul(k.permute(0, 1, 3, 2))
        .mul(1 / Math.sqrt(5))
        .add(additive(mask));
      const expected = softmax(scores, -1).matmul(v);
      assertClose(out, expected, closeTo(1e-12, 1e-6));
      const upstream = onTestDevice(randomTensor(out.shape, { seed: 34 })).cast(q.dtype);
      const got = gradients(out, [q, k, v], upstream);
      const want = gradients(expected, [q, k, v], upstream);
      for (const [i, g] of got.entries()) assertClose(g!, want[i]!, closeTo(1e-10, 1e-5));
    }
  });

  test("a query with every key masked out gets output 0 and no gradient", () => {
    const q = r([2, 3], 4);
    const k = r([2, 3], 5);
    const v = r([2, 2], 6);
    const mask = tensor([1, 1, 0, 0], { shape: [2, 2], dtype: "bool" });
    const out = scaledDotProductAttention(q, k, v, { attnMask: mask });
    expect(Array.from(out.data.slice(2))).toEqual([0, 0]);
    const [dq] = gradients(out.sum(), [q]);
    expect(Array.from(dq!.data.slice(3))).toEqual([0, 0, 0]);
    expect(Array.from(dq!.data.slice(0, 3)).every(Number.isFinite)).toBe(true);
  });

  test("q, k, v and the masks are left as they were (the scores are updated in their own array)", async () => {
    const q = onTestDevice(randomTensor([2, 3, 4], { seed: 11 }));
    const k = onTestDevice(randomTensor([2, 5, 4], { seed: 12 }));
    const v = onTestDevice(randomTensor([2, 5, 2], { seed: 13 }));
    const additive = onTestDevice(randomTensor([3, 5], { seed: 14 })).cast(q.dtype);
    const boolMask = tensor([
      [1, 0, 1, 1, 0],
      [1, 1, 1, 0, 0],
      [0, 0, 1, 1, 1],
    ]).gt(0);
    const boolean = onGpu ? boolMask.to("webgpu") : boolMask;
    const values = (ts: Tensor[]) => Promise.all(ts.map(async (t) => Array.from(await t.read())));
    const before = await values([q, k, v, additive, boolean]);
    for (const options of [{ attnMask: additive }, { attnMask: boolean }, { isCausal: true }]) {
      const first = scaledDotProductAttention(q, k, v, options);
      const again = scaledDotProductAttention(q, k, v, options);
      expect(await values([again])).toEqual(await values([first]));
    }
    expect(await values([q, k, v, additive, boolean])).toEqual(before);
  });

  test("float32 inputs give a float32 output", () => {
    const q = ones([2, 3]);
    expect(scaledDotProductAttention(q, q, q).dtype).toBe("float32");
  });

  test("empty: no queries, or no keys (output 0, as a sum over no keys)", () => {
    expect(scaledDotProductAttention(zeros([0, 3]), zeros([2, 3]), zeros([2, 4])).shape).toEqual([
      0, 4,
    ]);
    const out = scaledDotProductAttention(zeros([2, 3]), zeros([0, 3]), zeros([0, 4]));
    expect(out.shape).toEqual([2, 4]);
    expect(Array.from(out.data)).toEqual(new Array(8).fill(0));
  });
});

describe("dropout on the attention weights", () => {
  const q = r([2, 3, 4], 7);
  const k = r([2, 5, 4], 8);
  const v = r([2, 5, 3], 9);

  test("the same generator seed drops the same weights", () => {
    const a = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(3) });
    const b = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(3) });
    const c = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(4) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  test("dropoutP 1 drops every weight; 0 drops none", () => {
    const all = scaledDotProductAttention(q, k, v, { dropoutP: 1 });
    expect(Array.from(all.data).every((x) => x === 0)).toBe(true);
    assertClose(
      scaledDotProductAttention(q, k, v, { dropoutP: 0 }),
      scaledDotProductAttention(q, k, v),
    );
  });

  test("kept weights are scaled by 1/(1 − p): the mean over many draws approaches the output", () => {
    const ones1 = ones([1, 1, 2], { dtype: widestFloat });
    const keys = ones([1, 400, 2], { dtype: widestFloat });
    const values = ones([1, 400, 1], { dtype: widestFloat });
    // Equal scores: each weight 1/400; with p = 0.25 the output is (kept count)/(0.75·400).
    const out = scaledDotProductAttention(ones1, keys, values, {
      dropoutP: 0.25,
      generator: new Generator(11),
    });
    const kept = out.item() * 0.75 * 400;
    // A whole count, up to the rounding of the float dtype (float32's on the GPU).
    expect(Math.abs(kept - Math.round(kept))).toBeLessThan(onGpu ? 1e-3 : 1e-9);
    expect(kept).toBeGreaterThan(300 - 4 * Math.sqrt(400 * 0.25 * 0.75));
    expect(kept).toBeLessThan(300 + 4 * Math.sqrt(400 * 0.25 * 0.75));
  });
});

describe("sequenceFirst: the heads after the sequence", () => {
  // [B, L, H, E] in, [B, L, H, Ev] out: the same bits as swapping the axes around the
  // heads-first op, forward and backward, on every backend (the WebAssembly kernels read the
  // rows in place; the composition permutes them into scratch).
  const swap = (t: Tensor) => swapAxes(t, -3, -2);
  const masks = (): [string, object][] => [
    ["no mask", {}],
    ["causal", { isCausal: true }],
    ["a bool mask [L, S]", { attnMask: onTestDevice(randomTensor([5, 7], { seed: 40 })).gt(0) }],
    [
      "a key-padding mask [B, 1, 1, S]",
      { attnMask: onTestDevice(randomTensor([2, 1, 1, 7], { seed: 41 })).gt(-0.5) },
    ],
  ];
  for (const dtype of [widestFloat, "float32"] as const) {
    test(`${dtype}: the heads-first bits, values and gradients`, () => {
      const input = (shape: number[], seed: number) =>
        onTestDevice(randomTensor(shape, { seed, low: -1.5, high: 1.5 }))
          .cast(dtype)
          .requireGrad();
      const q = input([2, 5, 3, 4], 42);
      const k = input([2, 7, 3, 4], 43);
      const v = input([2, 7, 3, 6], 44);
      const upstream = onTestDevice(randomTensor([2, 5, 3, 6], { seed: 45 })).cast(dtype);
      const floatMask = onTestDevice(randomTensor([5, 7], { seed: 49 }))
        .cast(dtype)
        .requireGrad();
      for (const [name, options] of [
        ...masks(),
        ["a float mask with a gradient", { attnMask: floatMask }],
      ] as const) {
        const out = scaledDotProductAttention(q, k, v, { ...options, sequenceFirst: true });
        const expected = swap(scaledDotProductAttention(swap(q), swap(k), swap(v), options));
        expect(out.shape).toEqual([2, 5, 3, 6]);
        expect(Array.from(out.data), name).toEqual(Array.from(expected.data));
        const got = gradients(out, [q, k, v], upstream);
        const want = gradients(expected, [q, k, v], upstream);
        for (const [i, g] of got.entries()) {
          expect(Array.from(g!.data), `${name}: gradient ${i}`).toEqual(Array.from(want[i]!.data));
        }
      }
    });
  }

  test("dropout and broadcast batch dimensions: the same as swapping the axes", () => {
    const q = r([5, 3, 4], 46);
    const k = r([2, 7, 3, 4], 47);
    const v = r([1, 7, 3, 6], 48);
    const options = { dropoutP: 0.25, generator: new Generator(3) };
    const out = scaledDotProductAttention(q, k, v, { ...options, sequenceFirst: true });
    const again = { dropoutP: 0.25, generator: new Generator(3) };
    const expected = swap(scaledDotProductAttention(swap(q), swap(k), swap(v), again));
    expect(out.shape).toEqual([2, 5, 3, 6]);
    expect(Array.from(out.data)).toEqual(Array.from(expected.data));
  });

  test("typed errors name the shapes as given", () => {
    expect(() =>
      scaledDotProductAttention(zeros([5, 4]), zeros([7, 4]), zeros([7, 4]), {
        sequenceFirst: true,
      }),
    ).toThrow(/q must have at least three dimensions \(\[\.\.\., L, H, E\]/);
    expect(() =>
      scaledDotProductAttention(zeros([2, 5, 3, 4]), zeros([2, 7, 2, 4]), zeros([2, 7, 3, 4]), {
        sequenceFirst: true,
      }),
    ).toThrow(
      "scaledDotProductAttention: q, k and v must have the same number of heads H (second-to-last dimension with sequenceFirst); got q [2, 5, 3, 4] and k [2, 7, 2, 4] and v [2, 7, 3, 4]",
    );
    expect(() =>
      scaledDotProductAttention(zeros([2, 5, 3, 4]), zeros([2, 7, 3, 4]), zeros([2, 6, 3, 4]), {
        sequenceFirst: true,
      }),
    ).toThrow(/k and v must have the same number of keys S \(third-to-last dimension\)/);
    expect(() =>
      scaledDotProductAttention(zeros([2, 5, 3, 4]), zeros([2, 7, 3, 4]), zeros([2, 7, 3, 4]), {
        sequenceFirst: true,
        attnMask: zeros([7, 5], { dtype: "bool" }),
      }),
    ).toThrow(/attnMask must broadcast to the attention weights \[\.\.\., L, S\] = \[2, 3, 5, 7\]/);
    expect(() =>
      scaledDotProductAttention(zeros([2, 5, 3, 4]), zeros([2, 7, 3, 4]), zeros([2, 7, 3, 4]), {
        sequenceFirst: 1 as unknown as boolean,
      }),
    ).toThrow("scaledDotProductAttention: sequenceFirst must be a boolean; got 1");
  });
});

describe("typed errors", () => {
  const q = zeros([2, 3, 4]);
  const k = zeros([2, 5, 4]);
  const v = zeros([2, 5, 6]);

  test("q and k of different embedding sizes", () => {
    const e = thrown(() => scaledDotProductAttention(q, zeros([2, 5, 3]), v)) as ShapeError;
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("scaledDotProductAttention");
    expect(e.message).toBe(
      "scaledDotProductAttention: q and k must have the same embedding size E (last dimension); got q [2, 3, 4] and k [2, 5, 3] (4 ≠ 3)",
    );
  });

  test("k and v with different numbers of keys", () => {
    expect(() => scaledDotProductAttention(q, k, zeros([2, 4, 6]))).toThrow(
      /k and v must have the same number of keys S.*got k \[2, 5, 4\] and v \[2, 4, 6\] \(5 ≠ 4\)/,
    );
  });

  test("a mask that does not broadcast to [..., L, S]", () => {
    expect(() =>
      scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 4], { dtype: "bool" }) }),
    ).toThrow(ShapeError);
    expect(() =>
      scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 4], { dtype: "bool" }) }),
    ).toThrow(/attnMask must broadcast to the attention weights \[\.\.\., L, S\] = \[2, 3, 5\]/);
  });

  test("batch dimensions that do not broadcast", () => {
    expect(() => scaledDotProductAttention(zeros([3, 3, 4]), k, v)).toThrow(ShapeError);
  });

  test("dtypes: integer inputs, mixed floats, an int mask", () => {
    expect(() => scaledDotProductAttention(zeros([3, 4], { dtype: "int32" }), k, v)).toThrow(
      DTypeError,
    );
    expect(() =>
      scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5], { dtype: "int32" }) }),
    ).toThrow(/attnMask must be bool or of the inputs' float dtype/);
  });

  test("options: a mask with isCausal, dropoutP out of range, unknown keys", () => {
    expect(() =>
      scaledDotProductAttention(q, k, v, {
        isCausal: true,
        attnMask: zeros([3, 5], { dtype: "bool" }),
      }),
    ).toThrow(ValueError);
    expect(() => scaledDotProductAttention(q, k, v, { dropoutP: 1.5 })).toThrow(
      "scaledDotProductAttention: dropoutP must be a probability in [0, 1]; got 1.5",
    );
    expect(() =>
      scaledDotProductAttention(q, k, v, { isCasual: true } as unknown as { isCausal: boolean }),
    ).toThrow(OptionError);
  });

  test("inputs of fewer than two dimensions", () => {
    expect(() => scaledDotProductAttention(zeros([4]), k, v)).toThrow(/at least two dimensions/);
  });
});
