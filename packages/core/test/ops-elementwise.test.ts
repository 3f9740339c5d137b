/**
 * The elementwise math ops against PyTorch (fixtures/elementwise.json, written by
 * fixtures/elementwise.py): integer and bool dtypes, float32 rounding, zero-size tensors, the
 * typed errors and rounding's zero gradient. The webgpu-ops project runs this file again on
 * the GPU (on-device.ts); what needs float64 (values and gradients at float64's extremes,
 * erf/erfc/erfinv to 1e-15, second derivatives, float64 promotion) is in
 * ops-elementwise-float64.test.ts.
 */
import {
  asinh,
  atan,
  atan2,
  ceil,
  copysign,
  DTypeError,
  erf,
  erfinv,
  expm1,
  floor,
  floorDivide,
  fmod,
  frac,
  gelu,
  hypot,
  isfinite,
  isinf,
  isnan,
  lerp,
  log2,
  logaddexp,
  logicalNot,
  reciprocal,
  remainder,
  round,
  rsqrt,
  type Tensor,
  tan,
  tensor,
  trunc,
  ValueError,
  zeros,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import { binaryOps, expectMatches, flat, unaryOps } from "./elementwise-fixture.js";
import fixture from "./fixtures/elementwise.json";
import { onGpu, widestFloat } from "./on-device.js";

/**
 * One float32 rounding, relative. The GPU's WGSL tan (sin over cos, each within an ulp) may be
 * off by a few: there the bound is four roundings.
 */
const ulps = onGpu ? 4.8e-7 : 1.2e-7;

describe("lerp", () => {
  test("weight 0 gives a and weight 1 gives b exactly", () => {
    const a = tensor([0.1, 1e16, -3]);
    const b = tensor([0.7, 1, 1e-8]);
    expect(lerp(a, b, 0).toArray()).toEqual(a.toArray());
    expect(lerp(a, b, 1).toArray()).toEqual(b.toArray());
  });
});

describe("integer and bool inputs follow PyTorch's dtype rules", () => {
  const integerOps: Record<string, (a: Tensor, b?: Tensor) => Tensor> = {
    ...unaryOps,
    atan: (a) => atan(a),
    remainder: (a, b) => remainder(a, b!),
    fmod: (a, b) => fmod(a, b!),
    floor_divide: (a, b) => floorDivide(a, b!),
    atan2: (a, b) => atan2(a, b!),
    copysign: (a, b) => copysign(a, b!),
  };
  for (const c of fixture.integer) {
    test(`${c.op} of int32 gives ${c.dtype}`, () => {
      const a = tensor(c.a, { dtype: "int32" });
      const b = "b" in c ? tensor(c.b as number[], { dtype: "int32" }) : undefined;
      const y = integerOps[c.op]!(a, b);
      expect(y.dtype).toBe(c.dtype);
      // float32 results are PyTorch's to within one float32 rounding (a few on the GPU),
      // tan(2147483647) included: the GPU reduces large arguments exactly too.
      expectMatches(y.data, flat(c.y), `${c.op} of int32`, c.dtype === "float32" ? ulps : 0);
    });
  }

  test("integer remainder, fmod and floorDivide by zero throw a ValueError naming the op", () => {
    const a = tensor([1, 2], { dtype: "int32" });
    const b = tensor([3, 0], { dtype: "int32" });
    for (const [name, f] of [
      ["remainder", remainder],
      ["fmod", fmod],
      ["floorDivide", floorDivide],
    ] as const) {
      const error = (() => {
        try {
          f(a, b);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ValueError);
      expect((error as ValueError).op).toBe(name);
      expect((error as ValueError).message).toContain(`${name}: integer division by zero`);
    }
    // Floats divide by zero the IEEE way instead.
    expect(Array.from(remainder(tensor([1]), 0).data)).toEqual([Number.NaN]);
    expect(Array.from(floorDivide(tensor([1, -1]), 0).data)).toEqual([Infinity, -Infinity]);
  });

  test("a float number against an int32 tensor promotes to float32", () => {
    const y = remainder(tensor([5, -5], { dtype: "int32" }), 2.5);
    expect(y.dtype).toBe("float32");
    expect(Array.from(y.data)).toEqual([0, -0]);
  });

  test("bool inputs of the real functions give float32; rounding rejects bool", () => {
    const t = tensor([1, 0], { dtype: "bool" });
    expect(expm1(t).dtype).toBe("float32");
    expect(Array.from(reciprocal(t).data)).toEqual([1, Infinity]);
    expect(() => floor(t)).toThrow(DTypeError);
    expect(() => round(t)).toThrow("round: is not defined for bool tensors");
  });

  test("ops PyTorch defines on floats only reject integers with a DTypeError naming the op", () => {
    const i = tensor([1, 2], { dtype: "int32" });
    expect(() => frac(i)).toThrow(DTypeError);
    expect(() => hypot(i, i)).toThrow("hypot: expects a float tensor");
    expect(() => logaddexp(i, i)).toThrow("logaddexp: expects a float tensor");
    expect(() => lerp(i, i, 0.5)).toThrow("lerp: expects float tensors of one dtype");
    // An integer beside a float is promoted, as in PyTorch.
    expect(hypot(tensor([3]), tensor([4], { dtype: "int32" })).toArray()).toEqual([5]);
  });
});

describe("bool results", () => {
  test("isnan, isinf and isfinite of floats, integers and bools", () => {
    const x = tensor([0, -0, 1.5, Infinity, -Infinity, Number.NaN], { dtype: widestFloat });
    expect(Array.from(isnan(x).data)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(Array.from(isinf(x).data)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(Array.from(isfinite(x).data)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(isnan(x).dtype).toBe("bool");
    for (const t of [
      tensor([3, -2147483648], { dtype: "int32" }),
      tensor([1, 0], { dtype: "bool" }),
    ]) {
      expect(Array.from(isnan(t).data)).toEqual([0, 0]);
      expect(Array.from(isinf(t).data)).toEqual([0, 0]);
      expect(Array.from(isfinite(t).data)).toEqual([1, 1]);
    }
  });

  test("logicalNot reads NaN as true and ±0 as false", () => {
    const y = logicalNot(tensor([0, -0, Number.NaN, 2]));
    expect(y.dtype).toBe("bool");
    expect(Array.from(y.data)).toEqual([1, 1, 0, 0]);
    expect(Array.from(tensor([1, 0], { dtype: "bool" }).logicalNot().data)).toEqual([0, 1]);
  });
});

test("float32 results are PyTorch's float32 results to within one float32 rounding", () => {
  const ops: Record<string, (x: Tensor) => Tensor> = {
    floor,
    round,
    tan,
    asinh,
    log2,
    expm1,
    erf,
    erfinv,
    rsqrt,
    gelu: (x) => gelu(x),
  };
  for (const [name, c] of Object.entries(fixture.float32)) {
    const y = ops[name]!(tensor(c.x));
    expect(y.dtype).toBe("float32");
    expectMatches(y.data, flat(c.y), `${name} float32`, ulps);
  }
});

test("zero-size tensors give zero-size results of the broadcast shape", () => {
  const empty = zeros([0, 3]);
  for (const f of Object.values(unaryOps)) expect(f(empty).shape).toEqual([0, 3]);
  for (const f of Object.values(binaryOps))
    expect(f(empty, tensor([1, 2, 3])).shape).toEqual([0, 3]);
  expect(lerp(empty, zeros([2, 1, 1]), 0.5).shape).toEqual([2, 0, 3]);
  expect(isinf(empty).shape).toEqual([0, 3]);
  expect(remainder(zeros([0], { dtype: "int32" }), zeros([0], { dtype: "int32" })).shape).toEqual([
    0,
  ]);
});

test("round is to nearest with ties to even, in short arrays and SIMD-long ones", () => {
  for (const n of [7, 4099]) {
    const values = Array.from({ length: n }, (_, i) => (i % 7) - 3 + 0.5);
    const y = round(tensor(values, { dtype: widestFloat }));
    values.forEach((v, i) => {
      const even = Math.abs(Math.floor(v)) % 2 === 0 ? Math.floor(v) : Math.ceil(v);
      expect(Object.is(y.data[i], even === 0 && v < 0 ? -0 : even), `round(${v})`).toBe(true);
    });
  }
});

test("rounding ops pass a zero gradient (not none), as PyTorch; floorDivide carries none", () => {
  const x = tensor([0.5, 1.5], { dtype: widestFloat, requiresGrad: true });
  floor(x).add(ceil(x)).add(round(x)).add(trunc(x)).sum().backward();
  expect(Array.from(x.grad!.data)).toEqual([0, 0]);
  const y = floorDivide(x, 0.5);
  expect(y.requiresGrad).toBe(false);
  // copysign passes b a zero gradient too.
  const b = tensor([-1, 1], { dtype: widestFloat, requiresGrad: true });
  copysign(x, b).sum().backward();
  expect(Array.from(b.grad!.data)).toEqual([0, 0]);
});
