import { Generator, manualSeed, ShapeError, type Tensor } from "@tensortape/core";
import { init } from "@tensortape/nn";
import { describe, expect, test } from "vitest";

function moments(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const values = Array.from(t.data);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

describe("fans and gains", () => {
  test("fans of [out, in, ...kernel] weights", () => {
    expect(init.fans([256, 784])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(init.fans([8, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 200 });
    expect(() => init.fans([10])).toThrow(ShapeError);
  });

  test("gains follow PyTorch's table", () => {
    expect(init.calculateGain("linear")).toBe(1);
    expect(init.calculateGain("sigmoid")).toBe(1);
    expect(init.calculateGain("tanh")).toBe(5 / 3);
    expect(init.calculateGain("relu")).toBe(Math.SQRT2);
    expect(init.calculateGain("leakyRelu", 0.2)).toBe(Math.sqrt(2 / 1.04));
    expect(init.calculateGain("selu")).toBe(0.75);
    expect(() => init.calculateGain("nope" as "relu")).toThrow(
      'calculateGain: unknown nonlinearity "nope"',
    );
  });
});

describe("distributions (sample moments of 200×250 = 50,000 draws)", () => {
  const shape = [200, 250]; // fanIn 250, fanOut 200
  test("kaimingNormal: std √2/√fanIn (or fanOut)", () => {
    manualSeed(0);
    const m = moments(init.kaimingNormal(shape));
    expect(Math.abs(m.mean)).toBeLessThan(0.002);
    expect(m.std / (Math.SQRT2 / Math.sqrt(250))).toBeCloseTo(1, 1.7);
    const out = moments(init.kaimingNormal(shape, { mode: "fanOut" }));
    expect(out.std / (Math.SQRT2 / Math.sqrt(200))).toBeCloseTo(1, 1.7);
  });

  test("kaimingUniform: bound √2·√(3/fanIn)", () => {
    manualSeed(1);
    const bound = Math.SQRT2 * Math.sqrt(3 / 250);
    const m = moments(init.kaimingUniform(shape));
    expect(m.max).toBeLessThanOrEqual(bound);
    expect(m.min).toBeGreaterThanOrEqual(-bound);
    expect(m.max).toBeGreaterThan(0.99 * bound);
    expect(m.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1.7);
  });

  test("xavierUniform: bound gain·√(6/(fanIn + fanOut)); xavierNormal: std gain·√(2/(fanIn + fanOut))", () => {
    manualSeed(2);
    const bound = Math.sqrt(6 / 450);
    const u = moments(init.xavierUniform(shape));
    expect(u.max).toBeLessThanOrEqual(bound);
    expect(u.min).toBeGreaterThanOrEqual(-bound);
    expect(u.max).toBeGreaterThan(0.99 * bound);
    const n = moments(init.xavierNormal(shape, { gain: 5 / 3 }));
    expect(n.std / ((5 / 3) * Math.sqrt(2 / 450))).toBeCloseTo(1, 1.7);
  });

  test("uniform, normal, constant, zeros, ones", () => {
    manualSeed(3);
    const u = moments(init.uniform([10000], 2, 3));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(3);
    const n = moments(init.normal([10000], 5, 0.5));
    expect(n.mean).toBeCloseTo(5, 1.5);
    expect(n.std).toBeCloseTo(0.5, 1.5);
    expect(Array.from(init.constant([3], 0.25).data)).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(init.zeros([2]).data)).toEqual([0, 0]);
    expect(Array.from(init.ones([2]).data)).toEqual([1, 1]);
  });
});

describe("reproducibility and options", () => {
  test("the same seed gives the same values; a generator option is independent of it", () => {
    manualSeed(42);
    const a = init.kaimingUniform([5, 4]);
    manualSeed(42);
    const b = init.kaimingUniform([5, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const c = init.xavierNormal([5, 4], { generator: new Generator(9) });
    const d = init.xavierNormal([5, 4], { generator: new Generator(9) });
    expect(Array.from(c.data)).toEqual(Array.from(d.data));
  });

  test("initialisers make float32 parameters unless told otherwise", () => {
    const w = init.kaimingNormal([3, 2]);
    expect(w.dtype).toBe("float32");
    expect(w.requiresGrad).toBe(true);
    const b = init.zeros([3], { dtype: "float64", requiresGrad: false });
    expect(b.dtype).toBe("float64");
    expect(b.requiresGrad).toBe(false);
  });
});

test("a Kaiming mode other than fanIn or fanOut is an error, not a silent fanOut", () => {
  expect(() => init.kaimingNormal([2, 2], { mode: "fan_in" as "fanIn" })).toThrow(
    'kaimingNormal: mode must be "fanIn" or "fanOut"; got "fan_in"',
  );
});
