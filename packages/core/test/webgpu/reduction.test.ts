import { Generator, type ReduceKernel, referenceBackend } from "@tensortape/core";
import { describe, test } from "vitest";
import type { ScanKernel } from "../../src/backend/backend.js";
import { expectClose, expectSame, randomFloats, randomInts, sizeOf, uploadAt } from "./compare.js";
import { gpuKernels, withErrors } from "./device.js";

// Reductions, arg-reductions, scans and softmax against the reference backend. Sums and
// products in float32 within a tolerance scaled by Σ|x| (the reference accumulates in
// float64); max, min, argmax, argmin, integer sums and the scans' indices bit for bit.

const CASES: [number[], number[]][] = [
  [[7], [0]],
  [[0, 3], [1]],
  [[3, 0], [1]],
  [[4, 5], [0]],
  [[4, 5], [1]],
  [
    [4, 5],
    [0, 1],
  ],
  [
    [2, 3, 4, 5],
    [1, 3],
  ],
  [
    [2, 3, 4, 5],
    [0, 2, 3],
  ],
  [[3, 700], [1]],
  [[5000, 3], [0]],
  [[9000, 2], [1]],
  [[], []],
];

describe("reduce", () => {
  for (const op of ["sum", "prod", "max", "min"] as ReduceKernel[]) {
    test(`${op} over axes, float32 with specials and int32`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(11);
        for (const [shape, axes] of CASES) {
          const kept = shape.filter((_, d) => !axes.includes(d));
          for (const dtype of ["float32", "int32"] as const) {
            const n = sizeOf(shape);
            const x =
              dtype === "float32"
                ? randomFloats(
                    n,
                    generator,
                    op === "prod" ? 0.5 : -3,
                    op === "prod" ? 1.5 : 3,
                    n > 100 ? 0.001 : 0.1,
                  )
                : randomInts(n, generator).map((v) => (op === "prod" ? v % 3 : v));
            const expected =
              dtype === "float32" ? new Float32Array(sizeOf(kept)) : new Int32Array(sizeOf(kept));
            referenceBackend.reduce(op, x, shape, axes, expected);
            const out = k.allocate(dtype, expected.length);
            k.reduce(op, uploadAt(k, x), shape, axes, out);
            const got = await k.read(out);
            const label = `${op} ${dtype} [${shape.join(", ")}] over [${axes.join(", ")}]`;
            if (dtype === "float32" && (op === "sum" || op === "prod")) {
              expectClose(got, expected, label, { rtol: 2e-6 * Math.log2(n + 2), atol: 2e-6 });
            } else expectSame(got, expected, label);
          }
        }
      });
    });
  }

  test("max keeps the first of −0 and 0, and the last NaN", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const n = 3000;
      const x = new Float32Array(n).fill(-0);
      x[2500] = 0;
      const expected = new Float32Array(1);
      referenceBackend.reduce("max", x, [n], [0], expected);
      const out = k.allocate("float32", 1);
      k.reduce("max", uploadAt(k, x), [n], [0], out);
      expectSame(await k.read(out), expected, "max of −0s and one 0");
    });
  });
});

describe("argReduce and scan", () => {
  test("argmax and argmin pick the first of ties, and NaN", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(12);
      for (const [shape, axis] of [
        [[6, 9], 1],
        [[6, 9], 0],
        [[2, 5, 3], 1],
        [[0, 4], 1],
        [[4, 1], 1],
        // Long lines: a workgroup per line.
        [[2, 3000], 1],
        [[3, 1500, 2], 1],
      ] as [number[], number][]) {
        const x = randomFloats(sizeOf(shape), generator, -2, 2, 0.3).map((v) => Math.round(v));
        const xi = Int32Array.from(x, (v) => (Number.isNaN(v) ? 5 : Math.max(-9, Math.min(9, v))));
        // Without NaN, where ties of the largest value decide.
        const xf = x.map((v) => (Number.isNaN(v) ? 1 : v));
        for (const op of ["argmax", "argmin"] as const) {
          for (const data of [x, xi, xf]) {
            const lines = sizeOf(shape) / (shape[axis]! || 1);
            const expected = new Int32Array(
              shape[axis] === 0 ? sizeOf(shape.filter((_, d) => d !== axis)) : lines,
            );
            referenceBackend.argReduce(op, data, shape, axis, expected);
            const out = k.allocate("int32", expected.length);
            k.argReduce(op, uploadAt(k, data), shape, axis, out);
            expectSame(await k.read(out), expected, `${op} [${shape.join(", ")}] axis ${axis}`);
          }
        }
      }
    });
  });

  for (const op of ["sum", "prod", "max", "min", "logsumexp"] as ScanKernel[]) {
    test(`scan ${op}`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(13);
        for (const [outer, len, inner] of [
          [3, 17, 4],
          [1, 300, 1],
          [2, 0, 3],
          [5, 1, 2],
        ]) {
          const n = outer! * len! * inner!;
          const x = randomFloats(
            n,
            generator,
            op === "prod" ? 0.8 : -2,
            op === "prod" ? 1.2 : 2,
            0.05,
          );
          const withIndices = op === "max" || op === "min";
          const expected = new Float32Array(n);
          const expectedIndices = withIndices ? new Int32Array(n) : null;
          referenceBackend.scan(op, x, outer!, len!, inner!, expected, expectedIndices);
          const out = k.allocate("float32", n);
          const indices = withIndices ? k.allocate("int32", n) : null;
          k.scan(op, uploadAt(k, x), outer!, len!, inner!, out, indices);
          const label = `scan ${op} [${outer}, ${len}, ${inner}]`;
          const got = await k.read(out);
          if (withIndices) {
            expectSame(got, expected, label);
            expectSame(await k.read(indices!), expectedIndices!, `${label} indices`);
          } else expectClose(got, expected, label, { rtol: 1e-5, atol: 1e-5 });
        }
        // Integers: exact running sums and extremes.
        const xi = randomInts(60, generator);
        if (op !== "logsumexp" && op !== "prod") {
          const expected = new Int32Array(60);
          referenceBackend.scan(op, xi, 3, 20, 1, expected, null);
          const out = k.allocate("int32", 60);
          k.scan(op, uploadAt(k, xi), 3, 20, 1, out, null);
          expectSame(await k.read(out), expected, `scan ${op} int32`);
        }
      });
    });
  }
});

describe("softmax", () => {
  // Rows of many columns, many rows (more workgroups than one dimension of a dispatch holds),
  // none, and rows of one.
  const shapes = [
    [5, 10],
    [3, 1000],
    [70000, 2],
    [0, 4],
    [2, 1],
  ] as const;
  for (const log of [false, true]) {
    test(`${log ? "log-softmax" : "softmax"} of rows, with −Infinity rows and NaN`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(14);
        for (const [rows, cols] of shapes) {
          const x = randomFloats(rows * cols, generator, -10, 10, 0);
          if (rows > 1) {
            x.fill(Number.NEGATIVE_INFINITY, 0, cols);
            x[cols + 1] = Number.NaN;
          }
          const expected = new Float32Array(x.length);
          referenceBackend.softmax(x, rows, cols, expected, log);
          const out = k.allocate("float32", x.length);
          k.softmax(uploadAt(k, x), rows, cols, out, log);
          expectClose(await k.read(out), expected, `softmax [${rows}, ${cols}]`, {
            rtol: 1e-5,
            atol: 1e-7,
          });
        }
      });
    });

    test(`${log ? "log-softmax" : "softmax"}'s backward of rows`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(15);
        for (const [rows, cols] of shapes) {
          const x = randomFloats(rows * cols, generator, -4, 4, 0);
          const y = new Float32Array(x.length);
          referenceBackend.softmax(x, rows, cols, y, log);
          const dy = randomFloats(x.length, generator, -1, 1, 0);
          const expected = new Float32Array(x.length);
          referenceBackend.softmaxBackward(y, dy, rows, cols, expected, log);
          const out = k.allocate("float32", x.length);
          k.softmaxBackward(uploadAt(k, y), uploadAt(k, dy), rows, cols, out, log);
          expectClose(await k.read(out), expected, `softmaxBackward [${rows}, ${cols}]`, {
            rtol: 1e-4,
            atol: 1e-6,
          });
        }
      });
    });
  }
});

describe("layerNorm", () => {
  test("rows wider and narrower than a workgroup, with and without weight and bias, and the gradient", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(15);
      for (const [rows, cols, affine] of [
        [5, 130, true],
        [3, 7, false],
        [70000, 2, true],
        [0, 4, true],
      ] as const) {
        const n = rows * cols;
        const x = randomFloats(n, generator, -3, 3, 0);
        // Rows whose values nearly coincide have a variance float32 cannot resolve (a pair
        // 1e-4 apart normalises to ±0.95 or ±0.99 depending on the last bits): keep each
        // row's first two values at least 1 apart.
        for (let r = 0; r < rows && cols > 1; r++)
          x[r * cols + 1] = x[r * cols]! + 1 + Math.abs(x[r * cols + 1]!);
        const w = affine ? randomFloats(cols, generator, -2, 2, 0) : null;
        const b = affine ? randomFloats(cols, generator, -2, 2, 0) : null;
        const g = randomFloats(n, generator, -1, 1, 0);
        const expected = [
          new Float32Array(n),
          new Float32Array(n),
          new Float32Array(rows),
        ] as const;
        referenceBackend.layerNorm(x, rows, cols, w, b, 1e-5, ...expected);
        const dxExpected = new Float32Array(n);
        referenceBackend.layerNormBackward(g, expected[1], expected[2], w, rows, cols, dxExpected);
        const outs = [
          k.allocate("float32", n),
          k.allocate("float32", n),
          k.allocate("float32", rows),
        ];
        const [wGpu, bGpu] = [w && uploadAt(k, w), b && uploadAt(k, b)];
        k.layerNorm(uploadAt(k, x), rows, cols, wGpu, bGpu, 1e-5, outs[0]!, outs[1]!, outs[2]!);
        const label = `layerNorm [${rows}, ${cols}]`;
        for (let i = 0; i < 3; i++) {
          expectClose(await k.read(outs[i]!), expected[i], `${label} output ${i}`, {
            rtol: 2e-5,
            atol: 2e-5,
          });
        }
        const dx = k.allocate("float32", n);
        k.layerNormBackward(uploadAt(k, g), outs[1]!, outs[2]!, wGpu, rows, cols, dx);
        expectClose(await k.read(dx), dxExpected, `${label} gradient`, { rtol: 1e-4, atol: 1e-4 });
      }
    });
  });
});

describe("attention", () => {
  test("forward and backward against the reference, with a mask that empties a row", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(21);
      for (const [batch, l, s, e, ev, masked] of [
        [3, 5, 7, 4, 6, true],
        [2, 33, 40, 16, 8, false],
      ] as const) {
        const q = randomFloats(batch * l * e, generator, -2, 2, 0);
        const kk = randomFloats(batch * s * e, generator, -2, 2, 0);
        const v = randomFloats(batch * s * ev, generator, -1, 1, 0);
        const g = randomFloats(batch * l * ev, generator, -1, 1, 0);
        // One [L, S] block shared by every product: causal, and its row 1 masked out whole.
        const mask = masked ? new Float32Array(l * s) : null;
        for (let i = 0; mask && i < l; i++) {
          mask.fill(Number.NEGATIVE_INFINITY, i * s + (i === 1 ? 0 : i + 1), (i + 1) * s);
        }
        const args = { batchShape: [batch], l, s, e, ev, scale: 0.3 };
        // The one block, read by every product (batch stride 0).
        const view = <T>(data: T) => ({ data, offset: 0, strides: [0, s, 1] });
        const out = new Float32Array(batch * l * ev);
        const weights = new Float32Array(batch * l * s);
        referenceBackend.attention(q, kk, v, mask && view(mask), out, weights, args);
        const gpuOut = k.allocate("float32", out.length);
        const gpuWeights = k.allocate("float32", weights.length);
        const [qAt, kAt, vAt] = [uploadAt(k, q), uploadAt(k, kk), uploadAt(k, v)];
        const gpuMask = mask && view(uploadAt(k, mask));
        k.attention(qAt, kAt, vAt, gpuMask, gpuOut, gpuWeights, args);
        const label = `attention [${batch}, ${l}, ${s}, ${e}, ${ev}]`;
        const tolerance = { rtol: 1e-4, atol: 1e-6 };
        const gotWeights = await k.read(gpuWeights);
        expectClose(gotWeights, weights, `${label}: weights`, tolerance);
        expectClose(await k.read(gpuOut), out, `${label}: out`, tolerance);
        if (mask) expectSame(gotWeights.subarray(s, 2 * s), new Float32Array(s), `${label}: row 1`);

        const grads = [batch * l * e, batch * s * e, batch * s * ev].map(
          (n) => new Float32Array(n),
        );
        const [dq, dk, dv] = grads as [Float32Array, Float32Array, Float32Array];
        referenceBackend.attentionBackward(q, kk, v, weights, g, dq, dk, dv, args);
        const gpuGrads = grads.map((x) => k.allocate("float32", x.length));
        const [gq, gk, gv] = gpuGrads;
        k.attentionBackward(
          qAt,
          kAt,
          vAt,
          uploadAt(k, weights),
          uploadAt(k, g),
          gq!,
          gk!,
          gv!,
          args,
        );
        for (const [i, name] of ["dq", "dk", "dv"].entries()) {
          expectClose(await k.read(gpuGrads[i]!), grads[i]!, `${label}: ${name}`, tolerance);
        }
      }
    });
  });
});
