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

  test("a scale: the bits of the unscaled product multiplied by it in float32", async () => {
    await withErrors(async () => {
      const kernels = await gpuKernels();
      const generator = new Generator(23);
      const [m, k, n, batch] = [70, 33, 65, 3];
      const a = uniform(batch * m * k, generator);
      const b = uniform(batch * k * n, generator);
      const scale = 1 / Math.sqrt(k);
      const args: MatmulArgs = {
        aOffsets: Array.from({ length: batch }, (_, p) => p * m * k),
        bOffsets: Array.from({ length: batch }, (_, p) => p * k * n),
        m,
        k,
        n,
        transA: false,
        transB: true,
      };
      const [da, db] = [uploadAt(kernels, a), uploadAt(kernels, b)];
      const plain = kernels.allocate("float32", batch * m * n);
      kernels.matmul(da, db, plain, args);
      const scaled = kernels.allocate("float32", batch * m * n);
      kernels.matmul(da, db, scaled, { ...args, scale });
      const s = Math.fround(scale);
      const expected = (await kernels.read(plain)).map((v) => v * s);
      expectSame(await kernels.read(scaled), expected, "scaled");
    });
  });

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

  test("window arguments: a convolution's product, weight gradient and input gradient", async () => {
    await withErrors(async () => {
      const kernels = await gpuKernels();
      const generator = new Generator(24);
      // Two samples × two groups of 3 channels, 9×8 planes, a 3×2 kernel with stride 2 and
      // padding 1: 5×5 = 25 positions, 18 rows of columns per group, 4 output channels each.
      const window = {
        planes: 3,
        inShape: [9, 8],
        outShape: [5, 5],
        kernel: [3, 2],
        stride: [2, 2],
        dilation: [1, 1],
        padding: [1, 1],
      };
      const [products, m, kg, positions, inSize] = [4, 4, 18, 25, 72];
      const range = [0, 1, 2, 3];
      const weight = uniform(2 * m * kg, generator);
      const planes = uniform(products * 3 * inSize, generator);
      const gradient = uniform(products * m * positions, generator);
      const cases: [string, Float32Array, Float32Array, number, MatmulArgs][] = [
        [
          "W·im2col(x)",
          weight,
          planes,
          products * m * positions,
          {
            aOffsets: range.map((p) => (p % 2) * m * kg),
            bOffsets: range.map((p) => p * 3 * inSize),
            m,
            k: kg,
            n: positions,
            transA: false,
            transB: false,
            bWindow: window,
          },
        ],
        [
          "g·im2col(x)ᵀ",
          gradient,
          planes,
          products * m * kg,
          {
            aOffsets: range.map((p) => p * m * positions),
            bOffsets: range.map((p) => p * 3 * inSize),
            m,
            k: positions,
            n: kg,
            transA: false,
            transB: true,
            bWindow: window,
          },
        ],
        [
          "col2im(Wᵀ·g)",
          weight,
          gradient,
          products * 3 * inSize,
          {
            aOffsets: range.map((p) => (p % 2) * m * kg),
            bOffsets: range.map((p) => p * m * positions),
            m: kg,
            k: m,
            n: positions,
            transA: true,
            transB: false,
            outWindow: window,
          },
        ],
      ];
      for (const [label, a, b, size, args] of cases) {
        const expected = new Float32Array(size);
        referenceBackend.matmul(a, b, expected, args);
        const out = kernels.allocate("float32", size);
        kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), out, args);
        // col2im then adds up to six of those sums into one element: allow for its rounding too.
        const sums = bound(a, b, args);
        expectClose(await kernels.read(out), expected, label, {
          rtol: 1,
          atol: 0,
          scale: (i) => 2 * sums(i),
        });
      }
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

describe("matmul with a bias", () => {
  test("per row and per column, batched: the product's bits plus the bias, as an add after it", async () => {
    await withErrors(async () => {
      const kernels = await gpuKernels();
      const generator = new Generator(22);
      for (const [m, k, n, batch] of [
        [3, 5, 7, 2],
        [65, 17, 63, 1],
      ] as const) {
        for (const biasAxis of ["rows", "cols"] as const) {
          const a = uniform(batch * m * k, generator);
          const b = uniform(k * n, generator);
          const bias = uniform(biasAxis === "rows" ? m : n, generator);
          const args: MatmulArgs = {
            aOffsets: Array.from({ length: batch }, (_, p) => p * m * k),
            bOffsets: Array.from({ length: batch }, () => 0),
            m,
            k,
            n,
            transA: false,
            transB: false,
            biasAxis,
          };
          const plain = kernels.allocate("float32", batch * m * n);
          kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), plain, args);
          const product = await kernels.read(plain);
          const expected = new Float32Array(batch * m * n);
          referenceBackend.binary(
            "add",
            { data: product, offset: 0, strides: [m * n, n, 1] },
            { data: bias, offset: 0, strides: biasAxis === "rows" ? [0, 1, 0] : [0, 0, 1] },
            expected,
            [batch, m, n],
          );
          const out = kernels.allocate("float32", batch * m * n);
          const gpuBias = uploadAt(kernels, bias);
          kernels.matmul(uploadAt(kernels, a), uploadAt(kernels, b), out, args, gpuBias);
          expectSame(await kernels.read(out), expected, `${m}×${k}×${n}×${batch} ${biasAxis}`);
        }
      }
    });
  });
});
