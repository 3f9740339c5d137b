import { Generator, type MatmulArgs, referenceBackend } from "@tensortape/core";
import { describe, test } from "vitest";
import { expectClose, expectSame, uploadAt } from "./compare.js";
import { gpuKernels, withErrors } from "./device.js";

// The tiled matmul against the reference on sizes around the 64×64 tile and 16-deep slices,
// every transpose pair, batches with shared (broadcast) operands and offsets, and k = 0.
// Float32 sums of k products differ from the float64 reference by at most k·ε·Σ|a||b|.

function uniform(size: number, generator: Generator): Float32Array {
  return Float32Array.from({ length: size }, () => 2 * generator.uniform() - 1);
}

function bound(a: Float32Array, b: Float32Array, args: MatmulArgs) {
  const { m, k, n, transA, transB } = args;
  const absA = a.map(Math.abs);
  const absB = b.map(Math.abs);
  const scale = new Float32Array(args.aOffsets.length * m * n);
  referenceBackend.matmul(absA, absB, scale, args);
  return (i: number) =>
    (k + 2) * 1.2e-7 * scale[i]! + 1e-30 * (m + n + Number(transA) + Number(transB));
}

describe("matmul", () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 16, 64],
    [65, 17, 63],
    [130, 33, 70],
    [1, 200, 1],
    [4, 0, 6],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      test(`transA ${transA}, transB ${transB}`, async () => {
        await withErrors(async () => {
          const kernels = await gpuKernels();
          const generator = new Generator(21);
          for (const [m, k, n] of sizes) {
            const a = uniform(m * k + 5, generator);
            const b = uniform(k * n + 2, generator);
            const args: MatmulArgs = { aOffsets: [5], bOffsets: [2], m, k, n, transA, transB };
            const expected = new Float32Array(m * n);
            referenceBackend.matmul(a, b, expected, args);
            const out = kernels.allocate("float32", m * n);
            kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), out, args);
            expectClose(await kernels.read(out), expected, `[${m}, ${k}] × [${k}, ${n}]`, {
              rtol: 1,
              atol: 0,
              scale: bound(a, b, args),
            });
          }
        });
      });
    }
  }

  test("batches: many products in one dispatch, b shared by all", async () => {
    await withErrors(async () => {
      const kernels = await gpuKernels();
      const generator = new Generator(22);
      const [m, k, n, batch] = [9, 13, 11, 300];
      const a = uniform(batch * m * k, generator);
      const b = uniform(k * n, generator);
      const args: MatmulArgs = {
        aOffsets: Array.from({ length: batch }, (_, p) => p * m * k),
        bOffsets: Array.from({ length: batch }, () => 0),
        m,
        k,
        n,
        transA: false,
        transB: true,
      };
      const expected = new Float32Array(batch * m * n);
      referenceBackend.matmul(a, b, expected, args);
      const out = kernels.allocate("float32", expected.length);
      kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), out, args);
      expectClose(await kernels.read(out), expected, "batched", {
        rtol: 1,
        atol: 0,
        scale: bound(a, b, args),
      });
    });
  });

  test("int32 products are exact while the sums stay in range", async () => {
    await withErrors(async () => {
      const kernels = await gpuKernels();
      const generator = new Generator(23);
      const [m, k, n] = [7, 70, 5];
      const a = Int32Array.from({ length: m * k }, () => generator.integer(-50, 50));
      const b = Int32Array.from({ length: k * n }, () => generator.integer(-50, 50));
      const args: MatmulArgs = {
        aOffsets: [0],
        bOffsets: [0],
        m,
        k,
        n,
        transA: false,
        transB: false,
      };
      const expected = new Int32Array(m * n);
      referenceBackend.matmul(a, b, expected, args);
      const out = kernels.allocate("int32", m * n);
      kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), out, args);
      expectSame(await kernels.read(out), expected, "int32");
    });
  });
});
