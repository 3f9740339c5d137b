import {
  type AdagradUpdate,
  type AdamUpdate,
  Generator,
  type RmspropUpdate,
  referenceBackend,
  type SgdUpdate,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import { randomF32 } from "./kernel-check.js";

// The optimizers' updates: the reference against the formulas evaluated in float64 (a float32
// parameter is updated in float32 arithmetic, so within a few float32 roundings of them),
// and the fast backend's SIMD loops against the reference bit for bit.

/** Sizes around the SIMD width and threshold (4), 1024 and the 16384-element chunks. */
const SIZES = [0, 1, 3, 4, 5, 7, 128, 1023, 1024, 1029, 16384, 16387, 2 * 16384 + 3];

const sgdCases: [string, SgdUpdate & { withBuffer: boolean }][] = [
  [
    "plain",
    {
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      first: true,
      withBuffer: false,
    },
  ],
  [
    "weight decay",
    {
      lr: 0.05,
      momentum: 0,
      dampening: 0,
      weightDecay: 0.3,
      nesterov: false,
      first: false,
      withBuffer: false,
    },
  ],
  [
    "momentum, first step",
    {
      lr: 0.05,
      momentum: 0.9,
      dampening: 0.2,
      weightDecay: 0.1,
      nesterov: false,
      first: true,
      withBuffer: true,
    },
  ],
  [
    "momentum with dampening",
    {
      lr: 0.05,
      momentum: 0.9,
      dampening: 0.2,
      weightDecay: 0.1,
      nesterov: false,
      first: false,
      withBuffer: true,
    },
  ],
  [
    "Nesterov",
    {
      lr: 0.02,
      momentum: 0.8,
      dampening: 0,
      weightDecay: 0,
      nesterov: true,
      first: false,
      withBuffer: true,
    },
  ],
];

const adamCases: [string, AdamUpdate & { amsgrad: boolean }][] = [
  [
    "Adam at step 1",
    { ...corrected(1e-3, 0.9, 0.999, 1), eps: 1e-8, l2: 0, decay: 1, amsgrad: false },
  ],
  [
    "Adam at step 7 with L2",
    { ...corrected(0.01, 0.8, 0.99, 7), eps: 1e-6, l2: 0.3, decay: 1, amsgrad: false },
  ],
  ["AMSGrad", { ...corrected(0.05, 0.5, 0.9, 3), eps: 1e-8, l2: 0, decay: 1, amsgrad: true }],
  [
    "AdamW's decoupled decay",
    { ...corrected(0.1, 0.9, 0.999, 2), eps: 1e-8, l2: 0, decay: 1 - 0.1 * 0.2, amsgrad: true },
  ],
];

function corrected(lr: number, beta1: number, beta2: number, t: number) {
  return { stepSize: lr / (1 - beta1 ** t), beta1, beta2, bias2Sqrt: Math.sqrt(1 - beta2 ** t) };
}

/** Positive values for second moments (v ≥ 0). */
function randomPositive(size: number, generator: Generator): Float32Array {
  return Float32Array.from(randomF32(size, generator), (v) => v * v);
}

function expectIdentical(actual: TypedArray, expected: TypedArray, label: string): void {
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

/** |actual − expected| within `ulps` float32 roundings of the values involved. */
function expectNearFloat32(
  actual: TypedArray,
  expected: number[],
  scale: number[],
  label: string,
): void {
  for (let i = 0; i < expected.length; i++) {
    const bound = 8 * 2 ** -24 * scale[i]!;
    expect(Math.abs(actual[i]! - expected[i]!), `${label}: element ${i}`).toBeLessThanOrEqual(
      bound,
    );
  }
}

describe("sgdUpdate", () => {
  test.each(sgdCases)("%s: the reference follows the formula in float32 and float64", (_, h) => {
    const generator = new Generator(1);
    const [theta, g, b] = [
      randomF32(64, generator),
      randomF32(64, generator),
      randomF32(64, generator),
    ];
    const expected: number[] = [];
    const expectedBuffer: number[] = [];
    const scale: number[] = [];
    for (let i = 0; i < theta.length; i++) {
      let d = g[i]! + h.weightDecay * theta[i]!;
      if (h.withBuffer) {
        const buf = h.first ? d : h.momentum * b[i]! + (1 - h.dampening) * d;
        expectedBuffer.push(buf);
        d = h.nesterov ? d + h.momentum * buf : buf;
      }
      expected.push(theta[i]! - h.lr * d);
      scale.push(Math.abs(theta[i]!) + Math.abs(g[i]!) + Math.abs(b[i]!) + 1);
    }
    for (const Float of [Float32Array, Float64Array]) {
      const [p, buf] = [Float.from(theta), Float.from(b)];
      referenceBackend.sgdUpdate(p, Float.from(g), h.withBuffer ? buf : null, h);
      if (Float === Float32Array) {
        expectNearFloat32(p, expected, scale, "θ");
        if (h.withBuffer) expectNearFloat32(buf, expectedBuffer, scale, "buffer");
      } else {
        for (const [i, v] of p.entries()) expect(v).toBeCloseTo(expected[i]!, 14);
      }
    }
  });

  test.each(sgdCases)("%s: the fast backend matches the reference bit for bit", (_, h) => {
    const generator = new Generator(2);
    for (const size of SIZES) {
      const theta = randomF32(size, generator);
      const g = randomF32(size, generator);
      if (size > 3) [g[0], g[1], theta[2]] = [Number.NaN, Number.POSITIVE_INFINITY, -0];
      const b = randomF32(size, generator);
      const run = (backend: typeof referenceBackend) => {
        const [p, buf] = [theta.slice(), b.slice()];
        backend.sgdUpdate(p, g.slice(), h.withBuffer ? buf : null, h);
        return [p, buf] as const;
      };
      const [fastP, fastBuf] = run(wasmBackend);
      const [refP, refBuf] = run(referenceBackend);
      expectIdentical(fastP, refP, `θ, size ${size}`);
      expectIdentical(fastBuf, refBuf, `buffer, size ${size}`);
      if (size > 8) expect(refP[5]).not.toBe(theta[5]);
    }
  });
});

describe("adamUpdate", () => {
  test.each(adamCases)("%s: the reference follows the formula in float32 and float64", (_, h) => {
    const generator = new Generator(3);
    const [theta, g, m0] = [
      randomF32(64, generator),
      randomF32(64, generator),
      randomF32(64, generator),
    ];
    const [v0, vMax0] = [randomPositive(64, generator), randomPositive(64, generator)];
    const expected: number[] = [];
    const scale: number[] = [];
    for (let i = 0; i < theta.length; i++) {
      const t = theta[i]! * h.decay;
      const d = g[i]! + h.l2 * t;
      const m = h.beta1 * m0[i]! + (1 - h.beta1) * d;
      const v = h.beta2 * v0[i]! + (1 - h.beta2) * d * d;
      const second = h.amsgrad ? Math.max(vMax0[i]!, v) : v;
      const step = (h.stepSize * m) / (Math.sqrt(second) / h.bias2Sqrt + h.eps);
      expected.push(t - step);
      scale.push(Math.abs(t) + Math.abs(step) + 1e-3);
    }
    for (const Float of [Float32Array, Float64Array]) {
      const p = Float.from(theta);
      const state = [Float.from(m0), Float.from(v0), Float.from(vMax0)] as const;
      referenceBackend.adamUpdate(
        p,
        Float.from(g),
        state[0],
        state[1],
        h.amsgrad ? state[2] : null,
        h,
      );
      if (Float === Float32Array) expectNearFloat32(p, expected, scale, "θ");
      else for (const [i, v] of p.entries()) expect(v).toBeCloseTo(expected[i]!, 13);
    }
  });

  test.each(adamCases)("%s: the fast backend matches the reference bit for bit", (_, h) => {
    const generator = new Generator(4);
    for (const size of SIZES) {
      const theta = randomF32(size, generator);
      const g = randomF32(size, generator);
      if (size > 3) [g[0], g[1], theta[2]] = [Number.NaN, Number.NEGATIVE_INFINITY, -0];
      const m = randomF32(size, generator);
      const [v, vMax] = [randomPositive(size, generator), randomPositive(size, generator)];
      const run = (backend: typeof referenceBackend) => {
        const arrays = [theta.slice(), g.slice(), m.slice(), v.slice(), vMax.slice()] as const;
        backend.adamUpdate(
          arrays[0],
          arrays[1],
          arrays[2],
          arrays[3],
          h.amsgrad ? arrays[4] : null,
          h,
        );
        return arrays;
      };
      const fast = run(wasmBackend);
      const reference = run(referenceBackend);
      for (const [k, name] of ["θ", "g", "m", "v", "vMax"].entries()) {
        expectIdentical(fast[k]!, reference[k]!, `${name}, size ${size}`);
      }
      if (size > 8) expect(reference[0][5]).not.toBe(theta[5]);
    }
  });
});

const rmspropCases: [string, RmspropUpdate & { centered: boolean; withBuffer: boolean }][] = [
  [
    "plain",
    {
      lr: 0.01,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      withBuffer: false,
    },
  ],
  [
    "centered, with momentum and weight decay",
    {
      lr: 0.01,
      alpha: 0.9,
      eps: 1e-6,
      weightDecay: 0.1,
      momentum: 0.5,
      centered: true,
      withBuffer: true,
    },
  ],
];

describe("rmspropUpdate", () => {
  const inputs = (size: number, generator: Generator) => {
    const [theta, g, mean, b] = [0, 1, 2, 3].map(() =>
      randomF32(size, generator),
    ) as Float32Array[];
    // v ≥ ḡ², as the running averages keep it: the centered variance stays non-negative.
    const spread = randomPositive(size, generator);
    const v = Float32Array.from(mean!, (x, i) => x * x + spread[i]!);
    return { theta: theta!, g: g!, mean: mean!, b: b!, v };
  };

  test.each(rmspropCases)(
    "%s: the reference follows the formula in float32 and float64",
    (_, h) => {
      const { theta, g, mean, b, v } = inputs(64, new Generator(5));
      const expected: number[] = [];
      const scale: number[] = [];
      for (let i = 0; i < theta.length; i++) {
        const d = g[i]! + h.weightDecay * theta[i]!;
        const vi = h.alpha * v[i]! + (1 - h.alpha) * d * d;
        let variance = vi;
        if (h.centered) variance -= (h.alpha * mean[i]! + (1 - h.alpha) * d) ** 2;
        let step = d / (Math.sqrt(variance) + h.eps);
        if (h.withBuffer) step += h.momentum * b[i]!;
        expected.push(theta[i]! - h.lr * step);
        // The quotient's relative error grows with 1/√variance's.
        scale.push(
          Math.abs(theta[i]!) + (h.lr * Math.abs(step) * vi) / Math.max(variance, 1e-6) + 1,
        );
      }
      for (const Float of [Float32Array, Float64Array]) {
        const p = Float.from(theta);
        const state = [Float.from(v), Float.from(mean), Float.from(b)] as const;
        referenceBackend.rmspropUpdate(
          p,
          Float.from(g),
          state[0],
          h.centered ? state[1] : null,
          h.withBuffer ? state[2] : null,
          h,
        );
        if (Float === Float32Array) expectNearFloat32(p, expected, scale, "θ");
        else for (const [i, x] of p.entries()) expect(x).toBeCloseTo(expected[i]!, 12);
      }
    },
  );

  test.each(rmspropCases)("%s: the fast backend matches the reference bit for bit", (_, h) => {
    const generator = new Generator(6);
    for (const size of SIZES) {
      const { theta, g, mean, b, v } = inputs(size, generator);
      if (size > 3) [g[0], g[1], theta[2]] = [Number.NaN, Number.POSITIVE_INFINITY, -0];
      const run = (backend: typeof referenceBackend) => {
        const arrays = [theta.slice(), g.slice(), v.slice(), mean.slice(), b.slice()] as const;
        backend.rmspropUpdate(
          arrays[0],
          arrays[1],
          arrays[2],
          h.centered ? arrays[3] : null,
          h.withBuffer ? arrays[4] : null,
          h,
        );
        return arrays;
      };
      const fast = run(wasmBackend);
      const reference = run(referenceBackend);
      for (const [k, name] of ["θ", "g", "v", "ḡ", "buffer"].entries()) {
        expectIdentical(fast[k]!, reference[k]!, `${name}, size ${size}`);
      }
      if (size > 8) expect(reference[0][5]).not.toBe(theta[5]);
    }
  });
});

describe("adagradUpdate", () => {
  const h: AdagradUpdate = { lr: 0.5 / (1 + 2 * 0.1), eps: 1e-10, weightDecay: 0.05 };

  test("the reference follows the formula in float32 and float64", () => {
    const generator = new Generator(7);
    const [theta, g] = [randomF32(64, generator), randomF32(64, generator)];
    const sum = randomPositive(64, generator);
    const expected: number[] = [];
    const scale: number[] = [];
    for (let i = 0; i < theta.length; i++) {
      const d = g[i]! + h.weightDecay * theta[i]!;
      const step = (h.lr * d) / (Math.sqrt(sum[i]! + d * d) + h.eps);
      expected.push(theta[i]! - step);
      scale.push(Math.abs(theta[i]!) + Math.abs(step) + 1);
    }
    for (const Float of [Float32Array, Float64Array]) {
      const p = Float.from(theta);
      referenceBackend.adagradUpdate(p, Float.from(g), Float.from(sum), h);
      if (Float === Float32Array) expectNearFloat32(p, expected, scale, "θ");
      else for (const [i, x] of p.entries()) expect(x).toBeCloseTo(expected[i]!, 13);
    }
  });

  test("the fast backend matches the reference bit for bit", () => {
    const generator = new Generator(8);
    for (const size of SIZES) {
      const theta = randomF32(size, generator);
      const g = randomF32(size, generator);
      if (size > 3) [g[0], g[1], theta[2]] = [Number.NaN, Number.NEGATIVE_INFINITY, -0];
      const sum = randomPositive(size, generator);
      const run = (backend: typeof referenceBackend) => {
        const arrays = [theta.slice(), g.slice(), sum.slice()] as const;
        backend.adagradUpdate(arrays[0], arrays[1], arrays[2], h);
        return arrays;
      };
      const fast = run(wasmBackend);
      const reference = run(referenceBackend);
      for (const [k, name] of ["θ", "g", "sum"].entries()) {
        expectIdentical(fast[k]!, reference[k]!, `${name}, size ${size}`);
      }
      if (size > 8) expect(reference[0][5]).not.toBe(theta[5]);
    }
  });
});
