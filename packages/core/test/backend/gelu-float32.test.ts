import { gelu, referenceBackend, tensor, wasmBackend } from "@tensortape/core";
import { describe, expect, test } from "vitest";
import { erfc } from "../../src/backend/reference/erf.js";
import {
  GELU_FLOAT32_RANGE,
  geluFloat32,
  geluGradFloat32,
} from "../../src/backend/reference/gelu-float32.js";
import {
  gelu as geluFloat64,
  geluGrad as geluGradFloat64,
} from "../../src/backend/reference/math.js";

// Float32 GELU and its gradient are defined in float32 arithmetic (gelu-float32.ts); these
// tests hold that definition to the exact values, and the backends to that definition.

const bits = new Int32Array(1);
const word = new Float32Array(bits.buffer);

/** The float32 with bit pattern `pattern`. */
function float32(pattern: number): number {
  bits[0] = pattern;
  return word[0]!;
}

/** The spacing of float32s at |v|: one unit in the last place. */
function ulp(v: number): number {
  word[0] = Math.abs(v);
  const below = word[0]!;
  bits[0]! += 1;
  return word[0]! - below;
}

/** Φ(x) in float64 without cancellation in either tail: ½·erfc(−x/√2). */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** Every `step`-th float32 from 0 to 13, both signs. */
function sweep(step: number): number[] {
  const values: number[] = [];
  const end = Math.fround(GELU_FLOAT32_RANGE);
  for (let pattern = 0; float32(pattern) <= end; pattern += step) {
    values.push(float32(pattern), -float32(pattern));
  }
  return values;
}

describe("float32 GELU", () => {
  const values = sweep(4099);

  test("is within 5.5 units in the last place of the exact x·Φ(x) over |x| ≤ 13, most within one", () => {
    let worst = 0;
    let withinOne = 0;
    for (const x of values) {
      const exact = x * normalCdf(x);
      const error = Math.abs(geluFloat32(x) - exact) / ulp(Math.fround(exact));
      worst = Math.max(worst, error);
      if (error <= 1) withinOne++;
    }
    expect(values.length).toBeGreaterThan(500_000);
    expect(worst).toBeLessThan(5.5);
    expect(withinOne / values.length).toBeGreaterThan(0.95);
  });

  test("has a gradient within 4.5 units of 2^-24·(|Φ(x)| + |x·φ(x)|) of the exact Φ(x) + x·φ(x)", () => {
    let worst = 0;
    for (const x of values) {
      const cdf = normalCdf(x);
      const slope = (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
      const scale = (Math.abs(cdf) + Math.abs(slope)) * 2 ** -24;
      worst = Math.max(worst, Math.abs(geluGradFloat32(1, x) - (cdf + slope)) / scale);
    }
    expect(worst).toBeLessThan(4.5);
    // Linear in g, up to the last rounding.
    for (const [g, x] of [
      [-2.5, 0.7],
      [3, -1.25],
      [0.125, 4],
    ] as const) {
      const one = geluGradFloat32(1, x);
      expect(Math.abs(geluGradFloat32(g, x) - g * one)).toBeLessThanOrEqual(ulp(g * one));
    }
  });

  test("keeps the negative tail that ½x(1 + erf(x/√2)) in float32 loses", () => {
    // x·Φ(x) (mpmath), to the nearest double.
    const exact = [
      [-2, -0.04550026389635842],
      [-4, -0.0001266849673324797],
      [-6, -5.919525870226189e-9],
      [-13, -7.952313719414844e-38],
    ] as const;
    for (const [x, value] of exact) {
      expect(Math.abs(geluFloat32(x) - value)).toBeLessThanOrEqual(4 * ulp(value));
    }
  });

  test("is the float64 form rounded once beyond 13 and for ±0, ±∞ and NaN", () => {
    const outside = [13.000001, -13.000001, 20, -20, 40, -40, 1e30, -1e30, Infinity, -Infinity];
    for (const x of outside) {
      expect(geluFloat32(Math.fround(x))).toBe(Math.fround(geluFloat64(Math.fround(x))));
      expect(geluGradFloat32(-1.5, Math.fround(x))).toBe(
        Math.fround(geluGradFloat64(-1.5, Math.fround(x))),
      );
    }
    expect(geluFloat32(Number.NaN)).toBeNaN();
    expect(geluGradFloat32(1, Number.NaN)).toBeNaN();
    expect(Object.is(geluFloat32(-0), -0)).toBe(true);
    expect(Object.is(geluFloat32(0), 0)).toBe(true);
    expect(geluGradFloat32(1, 0)).toBe(0.5);
  });

  test("is what both CPU backends and the gelu op compute for float32, and float64 keeps its own form", () => {
    // About 22,000 values and an odd count: the kernel's vectors and its tail.
    const x = Float32Array.from([...sweep(100_003), 0.75]);
    for (const backend of [referenceBackend, wasmBackend]) {
      const out = new Float32Array(x.length);
      backend.unary("gelu", x, out);
      expect(out).toEqual(Float32Array.from(x, geluFloat32));
      const g = Float32Array.from(x, (_, i) => (i % 7) - 3);
      const grad = new Float32Array(x.length);
      const view = (data: Float32Array) => ({ data, offset: 0, strides: [1] });
      backend.binary("geluGrad", view(g), view(x), grad, [x.length]);
      expect(grad).toEqual(Float32Array.from(x, (v, i) => geluGradFloat32(g[i]!, v)));
    }
    expect(gelu(tensor([-3], { dtype: "float32" })).toArray()).toEqual([geluFloat32(-3)]);
    expect(gelu(tensor([-3], { dtype: "float64" })).toArray()).toEqual([geluFloat64(-3)]);
  });
});
