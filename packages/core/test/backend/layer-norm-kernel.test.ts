/**
 * The layerNorm kernels: the forward against its definition evaluated in float64 (rounded
 * once to float32), the backward against the composite of tensor ops that a recorded backward
 * (second derivatives) uses, and the fast backend bit for bit against the reference.
 */
import {
  Generator,
  gradients,
  layerNorm,
  referenceBackend,
  setNumThreads,
  type Tensor,
  tensor,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { expectSame } from "./kernel-check.js";

function random(size: number, generator: Generator, spread = 3): Float64Array {
  return Float64Array.from({ length: size }, () => (generator.uniform() * 2 - 1) * spread + 0.5);
}

/** The definition, in float64: x̂ = (x − mean)/√(var + eps), out = x̂·w + b. */
function definition(
  x: Float64Array,
  rows: number,
  cols: number,
  w?: Float64Array,
  b?: Float64Array,
  eps = 1e-5,
) {
  const out = new Float64Array(rows * cols);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const mean = row.reduce((s, v) => s + v, 0) / cols;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / cols;
    rstd[r] = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < cols; j++) {
      out[r * cols + j] = (row[j]! - mean) * rstd[r]! * (w ? w[j]! : 1) + (b ? b[j]! : 0);
    }
  }
  return { out, rstd };
}

describe("layerNorm kernels", () => {
  const generator = new Generator(41);
  const [rows, cols] = [7, 37];
  const x = random(rows * cols, generator);
  // A constant row: variance 0, so rstd is 1/√eps and x̂ is 0.
  x.fill(2.25, 0, cols);
  const w = random(cols, generator, 1);
  const b = random(cols, generator, 1);

  for (const [label, weight, bias] of [
    ["no affine", undefined, undefined],
    ["weight and bias", w, b],
    ["weight only", w, undefined],
    ["bias only", undefined, b],
  ] as const) {
    test(`forward in float64 and float32 (${label})`, () => {
      const expected = definition(x, rows, cols, weight, bias);
      for (const Kind of [Float64Array, Float32Array]) {
        const cast = (a: Float64Array | undefined) => (a ? Kind.from(a) : null);
        const out = new Kind(rows * cols);
        const xhat = new Kind(rows * cols);
        const rstd = new Kind(rows);
        const inputs = [Kind.from(x), rows, cols, cast(weight), cast(bias), 1e-5] as const;
        referenceBackend.layerNorm(...inputs, out, xhat, rstd);
        // float32 inputs are x rounded; its result is that input's float64 value rounded once.
        const exact =
          Kind === Float64Array
            ? expected
            : definition(
                Float64Array.from(Float32Array.from(x)),
                rows,
                cols,
                weight && Float64Array.from(Float32Array.from(weight)),
                bias && Float64Array.from(Float32Array.from(bias)),
              );
        // float64: the definition's summation order differs from the kernel's; float32: the
        // float64 value rounded once, within one ulp whatever the order of the sums.
        const tolerance = Kind === Float64Array ? 1e-13 : 2 ** -23;
        for (let i = 0; i < out.length; i++) {
          const want = Kind === Float64Array ? exact.out[i]! : Math.fround(exact.out[i]!);
          expect(Math.abs(out[i]! - want), `out[${i}]`).toBeLessThanOrEqual(
            tolerance * Math.abs(want) + 1e-15,
          );
        }
        expect(rstd[0]).toBeCloseTo(1 / Math.sqrt(1e-5), 2);
        expect(Array.from(xhat.subarray(0, cols)).every((v) => v === 0)).toBe(true);
        // The fast backend gives the same bits.
        const fast = [new Kind(rows * cols), new Kind(rows * cols), new Kind(rows)] as const;
        wasmBackend.layerNorm(...inputs, ...fast);
        expect(Array.from(fast[0])).toEqual(Array.from(out));
        expect(Array.from(fast[1])).toEqual(Array.from(xhat));
      }
    });
  }

  test("the kernel's backward equals the recorded composite's (float64)", () => {
    const input = tensor(x, { shape: [rows, cols] });
    const weight = tensor(w, { shape: [cols] });
    const bias = tensor(b, { shape: [cols] });
    const upstream = tensor(random(rows * cols, generator), { shape: [rows, cols] });
    const run = (createGraph: boolean) => {
      const [xs, ws, bs] = [input, weight, bias].map((t) => {
        const leaf = t.detach();
        leaf.requiresGrad = true;
        return leaf;
      }) as [Tensor, Tensor, Tensor];
      const loss = layerNorm(xs, [cols], ws, bs).mul(upstream).sum();
      return gradients(loss, [xs, ws, bs], undefined, { createGraph });
    };
    const fast = run(false);
    const recorded = run(true);
    for (let k = 0; k < 3; k++) {
      const [a, e] = [fast[k]!.data, recorded[k]!.data];
      for (let i = 0; i < a.length; i++) {
        expect(Math.abs(a[i]! - e[i]!), `gradient ${k}[${i}]`).toBeLessThan(1e-9);
      }
    }
  });
});

describe("the WebAssembly layerNorm kernels", () => {
  afterEach(() => {
    threadTesting.cores = undefined;
    threadTesting.busy = undefined;
    setNumThreads(2);
  });

  test("match the reference bit for bit, forward and backward, on one thread and three", () => {
    const generator = new Generator(43);
    // 130 columns: 32 groups of four and two left over; enough rows to be split.
    const [rows, cols] = [600, 130];
    const n = rows * cols;
    const x = Float32Array.from(random(n, generator));
    const w = Float32Array.from(random(cols, generator, 1));
    const b = Float32Array.from(random(cols, generator, 1));
    const g = Float32Array.from(random(n, generator));
    for (const [weight, bias] of [
      [w, b],
      [null, null],
      [w, null],
    ] as const) {
      const reference = [new Float32Array(n), new Float32Array(n), new Float32Array(rows)] as const;
      referenceBackend.layerNorm(x, rows, cols, weight, bias, 1e-5, ...reference);
      const dxReference = new Float32Array(n);
      referenceBackend.layerNormBackward(
        g,
        reference[1],
        reference[2],
        weight,
        rows,
        cols,
        dxReference,
      );
      for (const threads of [1, 3]) {
        if (threads > 1) {
          threadTesting.cores = 4;
          threadTesting.busy = false;
        }
        setNumThreads(threads);
        const fast = [new Float32Array(n), new Float32Array(n), new Float32Array(rows)] as const;
        wasmBackend.layerNorm(x, rows, cols, weight, bias, 1e-5, ...fast);
        const label = `${threads} thread(s), weight ${weight !== null}, bias ${bias !== null}`;
        for (let k = 0; k < 3; k++) {
          expectSame(fast[k], reference[k], `forward output ${k}, ${label}`);
        }
        const dx = new Float32Array(n);
        wasmBackend.layerNormBackward(g, fast[1], fast[2], weight, rows, cols, dx);
        expectSame(dx, dxReference, `backward, ${label}`);
      }
    }
  });
});
