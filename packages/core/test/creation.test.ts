/** Creating tensors, reading them out, dtypes, and the seeded generator. */
import {
  arange,
  eye,
  full,
  Generator,
  linspace,
  manualSeed,
  ones,
  rand,
  randint,
  randn,
  tensor,
  zeros,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

describe("tensor()", () => {
  test("from nested arrays, with the shape inferred", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  test("from a typed array with a shape, copying it and keeping its dtype", () => {
    const source = new Float64Array([1, 2, 3, 4]);
    const t = tensor(source, { shape: [2, 2] });
    expect(t.dtype).toBe("float64");
    source[0] = 99;
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test("copy: false wraps a typed array of the same dtype instead of copying it", () => {
    const source = new Float32Array([1, 2]);
    const t = tensor(source, { shape: [2], copy: false });
    expect(t.data).toBe(source);
    // A dtype conversion always copies.
    expect(tensor(source, { shape: [2], dtype: "float64", copy: false }).data).not.toBe(source);
  });

  test("a number is a 0-d tensor; item() reads it", () => {
    const t = tensor(4.5);
    expect(t.shape).toEqual([]);
    expect(t.item()).toBe(4.5);
    expect(t.toArray()).toBe(4.5);
  });

  test("dtypes int32 and bool", () => {
    expect(tensor([1, 2], { dtype: "int32" }).data).toBeInstanceOf(Int32Array);
    expect(tensor([0, 3], { dtype: "bool" }).toArray()).toEqual([0, 1]);
  });

  test("empty tensors", () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(zeros([0, 3]).size).toBe(0);
    expect(zeros([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
  });

  test("requiresGrad at creation", () => {
    expect(tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe("filled and ranged", () => {
  test("zeros, ones, full, eye", () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([2], { dtype: "int32" }).toArray()).toEqual([1, 1]);
    expect(full([2, 1], 7).toArray()).toEqual([[7], [7]]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  test("arange and linspace", () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(4).dtype).toBe("int32");
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe("the seeded generator", () => {
  test("the same seed gives the same numbers, a different seed different ones", () => {
    manualSeed(42);
    const a = randn([5]).toArray();
    manualSeed(42);
    expect(randn([5]).toArray()).toEqual(a);
    manualSeed(43);
    expect(randn([5]).toArray()).not.toEqual(a);
  });

  test("the sequence is fixed across machines (32-bit integer arithmetic only)", () => {
    // Pinned outputs of xoshiro128** seeded through splitmix32 with seed 1: a change to the
    // generator would silently change every seeded model, so it must be deliberate.
    const g = new Generator(1);
    const first = [g.nextUint32(), g.nextUint32(), g.nextUint32()];
    const again = new Generator(1);
    expect([again.nextUint32(), again.nextUint32(), again.nextUint32()]).toEqual(first);
    expect(first.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    expect(first).toMatchInlineSnapshot(`
      [
        2442144158,
        3238099751,
        3819917871,
      ]
    `);
  });

  test("rand is uniform on [0, 1) and randn standard normal (moments of 20 000 draws)", () => {
    const g = new Generator(7);
    const u = rand([20_000], { generator: g, dtype: "float64" });
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(u.mean().item()).toBeCloseTo(0.5, 2);
    const z = randn([20_000], { generator: g, dtype: "float64" });
    expect(z.mean().item()).toBeCloseTo(0, 1);
    expect(z.square().mean().item()).toBeCloseTo(1, 1);
  });

  test("randint and permutation", () => {
    const g = new Generator(3);
    const r = randint(2, 5, [1000], { generator: g });
    expect(r.min().item()).toBe(2);
    expect(r.max().item()).toBe(4);
    expect([...g.permutation(10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
