/**
 * The float64-only half of ops-elementwise.test.ts, which runs on the CPU only: values and
 * gradients against PyTorch in float64 at ordinary points and at 0, −0, ±∞, NaN and values
 * beyond float32's range (1e300), lerp with huge starts, erf/erfc/erfinv to 1e-15 on dense
 * grids, second derivatives (gradgradcheck), and float64 beside float32 and int32. WebGPU
 * has no float64; the GPU's elementwise kernels are held to the reference backend at the same
 * special values in webgpu/elementwise.test.ts, and its gradients in webgpu/op-gradients.
 */
import {
  acos,
  acosh,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  copysign,
  cosh,
  DTypeError,
  erf,
  erfc,
  erfinv,
  exp2,
  expm1,
  floor,
  fmod,
  frac,
  gelu,
  hypot,
  lerp,
  log1p,
  log2,
  log10,
  logaddexp,
  logicalAnd,
  logicalOr,
  reciprocal,
  remainder,
  round,
  rsqrt,
  sinh,
  type Tensor,
  tan,
  tensor,
} from "@tensortape/core";
import { gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { binaryOps, expectMatches, flat, type Nested, unaryOps } from "./elementwise-fixture.js";
import fixture from "./fixtures/elementwise.json";

function shapeOf(v: Nested): number[] {
  return Array.isArray(v) ? [v.length, ...shapeOf(v[0]!)] : [];
}

const f64 = (v: Nested, requiresGrad = false) =>
  tensor(flat(v), { shape: shapeOf(v), dtype: "float64", requiresGrad });

describe("lerp", () => {
  test("a tensor weight broadcast three ways, on both sides of ½ and beyond 1, as PyTorch", () => {
    const c = fixture.lerp[0]!;
    const a = f64(c.a, true);
    const b = f64(c.b, true);
    const w = f64(c.weight as Nested, true);
    const y = lerp(a, b, w);
    expect(y.shape).toEqual([2, 3]);
    expectMatches(y.data, flat(c.y), "lerp value");
    y.backward(f64(c.upstream));
    expectMatches(a.grad!.data, flat(c.gradA), "lerp gradient of a", 1e-13, true);
    expectMatches(b.grad!.data, flat(c.gradB), "lerp gradient of b", 1e-13, true);
    expectMatches(w.grad!.data, flat(c.gradWeight!), "lerp gradient of weight", 1e-13, true);
  });

  test("a number weight, with a huge and an infinite start, as PyTorch", () => {
    const c = fixture.lerp[1]!;
    const a = f64(c.a, true);
    const b = f64(c.b, true);
    const y = a.lerp(b, c.weight as number);
    expectMatches(y.data, flat(c.y), "lerp value");
    y.backward(f64(c.upstream));
    expectMatches(a.grad!.data, flat(c.gradA), "lerp gradient of a", 1e-13, true);
    expectMatches(b.grad!.data, flat(c.gradB), "lerp gradient of b", 1e-13, true);
  });
});

describe("unary ops match PyTorch in float64, special values included", () => {
  for (const [name, c] of Object.entries(fixture.unary)) {
    test(name, () => {
      const f = unaryOps[name]!;
      const x = f64(c.x, true);
      const y = f(x);
      expect(y.dtype).toBe("float64");
      expectMatches(y.data, flat(c.y), `${name} value`);
      // Gradients combine a few ops each, so they get a few roundings' slack; the sign of a
      // zero gradient is not held (PyTorch's formulas order their products differently).
      y.backward(f64(c.upstream));
      expectMatches(x.grad!.data, flat(c.grad), `${name} gradient`, 1e-13, true);
    });
  }
});

describe("binary ops match PyTorch in float64, broadcast [3, 1] against [6]", () => {
  for (const [key, c] of Object.entries(fixture.binary)) {
    test(key, () => {
      const name = key.replace(" smooth", "");
      const f = binaryOps[name]!;
      const a = f64(c.a, true);
      const b = f64(c.b, true);
      const y = f(a, b);
      const logical = name.startsWith("logical");
      expect(y.dtype).toBe(logical ? "bool" : "float64");
      expectMatches(y.data, flat(c.y), `${key} value`);
      if ("upstream" in c) {
        y.backward(f64(c.upstream));
        expectMatches(a.grad!.data, flat(c.gradA), `${key} gradient of a`, 1e-13, true);
        expectMatches(b.grad!.data, flat(c.gradB), `${key} gradient of b`, 1e-13, true);
      } else {
        // Bool results and floor division carry no gradient.
        expect(y.requiresGrad).toBe(false);
      }
    });
  }
});

describe("dtypes beside float64", () => {
  test("float32 and float64 do not mix silently; lerp's weight must share the dtype", () => {
    const a = tensor([1, 2]);
    const b = tensor([1, 2], { dtype: "float64" });
    expect(() => atan2(a, b)).toThrow(DTypeError);
    expect(() => lerp(a, a, b)).toThrow("lerp: expects float tensors of one dtype");
  });
  test("logical ops take mixed dtypes, float32 beside float64 included", () => {
    const a = tensor([0, 1, 2, 0]);
    const b = tensor([1, 1, 0, 0], { dtype: "int32" });
    const c = tensor([1, 0, 1, 0], { dtype: "float64" });
    expect(Array.from(logicalAnd(a, b).data)).toEqual([0, 1, 0, 0]);
    expect(Array.from(logicalOr(a, c).data)).toEqual([1, 1, 1, 0]);
    expect(Array.from(a.logicalXor(c).data)).toEqual([1, 1, 0, 0]);
  });
});

test("round to decimal places as PyTorch, in float64 and float32", () => {
  for (const c of fixture.roundDecimals) {
    const dtype = c.dtype as "float32" | "float64";
    const x = tensor(flat(c.x), { dtype, requiresGrad: true });
    const y = x.round(c.decimals);
    expect(y.dtype).toBe(dtype);
    expectMatches(y.data, flat(c.y), `round ${dtype} to ${c.decimals} decimals`, 0);
    y.sum().backward();
    expect(Array.from(x.grad!.data).every((v) => v === 0)).toBe(true);
  }
  expect(() => round(tensor([1], { dtype: "int32" }), 1)).toThrow(DTypeError);
  expect(() => round(tensor([1]), 0.5)).toThrow("round: decimals must be an integer, got 0.5");
});

describe("erf, erfc and erfinv agree with PyTorch's float64 to 1e-15 on dense grids", () => {
  const fns = { erf, erfc, erfinv };
  for (const [name, c] of Object.entries(fixture.accuracy)) {
    test(`${name} (${c.x.length} points)`, () => {
      const y = fns[name as keyof typeof fns](tensor(c.x, { dtype: "float64" }));
      expectMatches(y.data, c.y, name);
    });
  }
});

describe("second derivatives (the backward rules are differentiable)", () => {
  let seed = 100;
  const r = (shape: number[], low: number, high: number, awayFrom?: number[]) =>
    randomTensor(shape, { seed: seed++, low, high, awayFrom, margin: 0.1 });
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["tan", tan, [r([4], -1.2, 1.2)]],
    ["asin", asin, [r([4], -0.8, 0.8)]],
    ["acos", acos, [r([4], -0.8, 0.8)]],
    ["atan", atan, [r([4], -2, 2)]],
    ["sinh", sinh, [r([4], -2, 2)]],
    ["cosh", cosh, [r([4], -2, 2)]],
    ["asinh", asinh, [r([4], -2, 2)]],
    ["acosh", acosh, [r([4], 1.3, 3)]],
    ["atanh", atanh, [r([4], -0.8, 0.8)]],
    ["log2", log2, [r([4], 0.5, 2)]],
    ["log10", log10, [r([4], 0.5, 2)]],
    ["log1p", log1p, [r([4], -0.5, 2)]],
    ["exp2", exp2, [r([4], -2, 2)]],
    ["expm1", expm1, [r([4], -2, 2)]],
    ["rsqrt", rsqrt, [r([4], 0.5, 2)]],
    ["reciprocal", reciprocal, [r([4], -2, 2, [0])]],
    ["erf", erf, [r([4], -2, 2)]],
    ["erfc", erfc, [r([4], -2, 2)]],
    ["erfinv", erfinv, [r([4], -0.8, 0.8)]],
    ["gelu", (x) => gelu(x), [r([4], -3, 3)]],
    ["gelu tanh", (x) => gelu(x, { approximate: "tanh" }), [r([4], -3, 3)]],
    ["frac", frac, [r([4], -2, 2, [-2, -1, 0, 1, 2])]],
    ["atan2", atan2, [r([2, 3], -2, 2, [0]), r([3], -2, 2, [0])]],
    ["hypot", hypot, [r([2, 3], -2, 2, [0]), r([3], -2, 2, [0])]],
    ["logaddexp", logaddexp, [r([2, 3], -2, 2), r([3], -2, 2)]],
    ["copysign", copysign, [r([2, 3], -2, 2, [0]), r([3], -2, 2, [0])]],
    ["remainder", remainder, [r([3], 2.3, 2.9), r([3], 1.5, 2)]],
    ["fmod", fmod, [r([3], -2.9, -2.3), r([3], 1.5, 2)]],
    ["lerp", lerp, [r([2, 3], -2, 2), r([3], -2, 2), r([2, 1], -0.5, 1.5, [0.5])]],
    // Rounding's zero gradient has a zero derivative too.
    ["floor", (x) => floor(x).mul(x), [r([4], -2, 2, [-2, -1, 0, 1, 2])]],
  ];
  for (const [name, f, inputs] of cases) {
    test(name, () => {
      expect(gradcheck(f, inputs).passed).toBe(true);
      expect(gradgradcheck(f, inputs).passed).toBe(true);
    });
  }
});

test("an int32 beside a float64 converts to float64, not through float32", () => {
  // 2^24 + 1 is exact in float64 and rounds to 2^24 in float32.
  const big = tensor([16777217], { dtype: "int32" });
  expect(copysign(big, tensor([-1], { dtype: "float64" })).data[0]).toBe(-16777217);
  expect(copysign(big, -1).data[0]).toBe(-16777216);
});
