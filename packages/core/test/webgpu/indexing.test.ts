import { Generator, referenceBackend, type StridedView } from "@tensortape/core";
import { describe, test } from "vitest";
import type { ScatterReduceKernel, WindowGeometry } from "../../src/backend/backend.js";
import {
  expectClose,
  expectSame,
  randomFloats,
  randomInts,
  sizeOf,
  stridesOf,
  uploadAt,
} from "./compare.js";
import { gpuKernels, withErrors } from "./device.js";

// Index-driven and window kernels against the reference, bit for bit: the scatters apply
// each line's elements in the reference's order, so even float sums match exactly. Indices
// out of range must neither fault nor touch memory outside the arrays.

describe("gather and scatterAdd", () => {
  test("gather and its adjoint on [outer, axis, inner] layouts", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(31);
      for (const [outer, axisLen, indexLen, inner] of [
        [3, 5, 7, 2],
        [1, 10, 40, 1],
        [2, 1, 3, 4],
        [0, 3, 2, 2],
        [2, 3, 0, 2],
      ]) {
        const x = randomFloats(outer! * axisLen! * inner!, generator);
        const index = Int32Array.from({ length: outer! * indexLen! * inner! }, () =>
          generator.integer(0, axisLen!),
        );
        const expected = new Float32Array(index.length);
        referenceBackend.gather(x, index, expected, outer!, axisLen!, indexLen!, inner!);
        const out = k.allocate("float32", index.length);
        k.gather(uploadAt(k, x), uploadAt(k, index), out, outer!, axisLen!, indexLen!, inner!);
        const label = `[${outer}, ${axisLen}|${indexLen}, ${inner}]`;
        expectSame(await k.read(out), expected, `gather ${label}`);

        const g = randomFloats(index.length, generator);
        const sums = new Float32Array(x.length);
        referenceBackend.scatterAdd(g, index, sums, outer!, axisLen!, indexLen!, inner!);
        const into = k.allocate("float32", x.length);
        k.scatterAdd(uploadAt(k, g), uploadAt(k, index), into, outer!, axisLen!, indexLen!, inner!);
        expectSame(await k.read(into), sums, `scatterAdd ${label}`);
      }
    });
  });

  test("out-of-range indices read 0 and write nothing", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const x = Float32Array.from([1, 2, 3, 4]);
      const index = Int32Array.from([0, -1, 4, 1 << 30, 3, -2147483648]);
      const out = k.allocate("float32", index.length);
      k.gather(uploadAt(k, x), uploadAt(k, index), out, 1, 4, 6, 1);
      expectSame(await k.read(out), [1, 0, 0, 0, 4, 0], "gather");
      // A target array inside a larger buffer: the neighbours must stay untouched.
      const whole = uploadAt(k, Float32Array.from([9, 9, 9, 9, 9, 9, 9, 9]), 0);
      const target = { ...whole, offset: 2, length: 4 };
      const g = Float32Array.from([1, 1, 1, 1, 1, 1]);
      k.scatterAdd(uploadAt(k, g), uploadAt(k, index), target, 1, 4, 6, 1);
      expectSame(await k.read(whole), [9, 9, 10, 9, 9, 10, 9, 9], "scatterAdd");
    });
  });
});

describe("scatterReduce", () => {
  const OPS: ScatterReduceKernel[] = ["assign", "sum", "prod", "mean", "amax", "amin"];
  for (const op of OPS) {
    test(`${op} with strided sources, float32 and int32, with and without self`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(40 + OPS.indexOf(op));
        for (let trial = 0; trial < 12; trial++) {
          const rank = generator.integer(1, 4);
          const outShape = Array.from({ length: rank }, () => generator.integer(1, 6));
          const axis = generator.integer(0, rank);
          const shape = outShape.map((d, q) =>
            q === axis ? generator.integer(0, 8) : generator.integer(1, d + 1),
          );
          const size = sizeOf(shape);
          const dtype = trial % 2 === 0 ? "float32" : "int32";
          const fresh = (n: number) =>
            dtype === "float32"
              ? randomFloats(n, generator, -2, 2, 0.15).map((v) => Math.round(v * 4) / 4)
              : randomInts(n, generator, -6, 6).map((v) => (Math.abs(v) > 6 ? 3 : v));
          const self = fresh(sizeOf(outShape));
          const srcData = fresh(2 * size + 3);
          const srcStrides = stridesOf(shape).map((s) => 2 * s);
          const indexData = Int32Array.from({ length: size }, () =>
            generator.integer(0, outShape[axis]!),
          );
          const includeSelf = trial % 4 < 2;
          const src: StridedView = { data: srcData, offset: 3, strides: srcStrides };
          const index: StridedView = { data: indexData, offset: 0, strides: stridesOf(shape) };
          const expected = self.slice();
          referenceBackend.scatterReduce(
            op,
            src,
            index,
            expected,
            stridesOf(outShape),
            shape,
            axis,
            includeSelf,
          );
          const out = uploadAt(k, self);
          k.scatterReduce(
            op,
            { data: uploadAt(k, srcData), offset: 3, strides: srcStrides },
            { data: uploadAt(k, indexData), offset: 0, strides: stridesOf(shape) },
            out,
            stridesOf(outShape),
            shape,
            axis,
            includeSelf,
          );
          const label = `${op} ${dtype} out [${outShape.join(", ")}] index [${shape.join(", ")}] axis ${axis}`;
          if (op === "mean" && dtype === "float32") {
            expectClose(await k.read(out), expected, label, { rtol: 1.2e-7, atol: 0 });
          } else expectSame(await k.read(out), expected, label);
        }
      });
    });
  }
});

describe("sort", () => {
  test("stable, NaN last (first descending), −0 equal to 0, for each dtype", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(51);
      for (const [outer, len, inner] of [
        [3, 20, 2],
        [1, 257, 1],
        [2, 1, 3],
        [0, 4, 1],
        [4, 33, 5],
        // Longer than RANK_SORT_MAX: the bitonic network, padded to a power of two.
        [1, 1025, 1],
        [2, 1500, 3],
      ]) {
        const n = outer! * len! * inner!;
        const floats = randomFloats(n, generator, -2, 2, 0.3).map((v) => Math.round(v * 4) / 4);
        const datasets = [
          floats,
          randomInts(n, generator, -3, 3),
          Uint8Array.from(floats, (v) => (v > 0 ? 1 : 0)),
        ];
        for (const x of datasets) {
          for (const descending of [false, true]) {
            const values = x.slice().fill(0);
            const indices = new Int32Array(n);
            referenceBackend.sort(x, outer!, len!, inner!, values, indices, descending, true);
            const dtype =
              x instanceof Float32Array ? "float32" : x instanceof Int32Array ? "int32" : "bool";
            const gotValues = k.allocate(dtype, n);
            const gotIndices = k.allocate("int32", n);
            k.sort(uploadAt(k, x), outer!, len!, inner!, gotValues, gotIndices, descending, true);
            const label = `sort ${dtype} [${outer}, ${len}, ${inner}] ${descending ? "descending" : "ascending"}`;
            expectSame(await k.read(gotValues), values, label);
            expectSame(await k.read(gotIndices), indices, `${label} indices`);
          }
        }
      }
    });
  });
});

describe("windows", () => {
  const geometries: WindowGeometry[] = [
    {
      planes: 3,
      inShape: [11],
      outShape: [5],
      kernel: [3],
      stride: [2],
      dilation: [1],
      padding: [1],
    },
    {
      planes: 2,
      inShape: [7, 6],
      outShape: [4, 3],
      kernel: [3, 2],
      stride: [2, 2],
      dilation: [1, 2],
      padding: [1, 0],
    },
    {
      planes: 1,
      inShape: [5, 5],
      outShape: [6, 6],
      kernel: [2, 2],
      stride: [1, 1],
      dilation: [1, 1],
      padding: [1, 1],
    },
    {
      planes: 2,
      inShape: [3, 4, 5],
      outShape: [2, 2, 3],
      kernel: [2, 3, 2],
      stride: [1, 2, 2],
      dilation: [1, 1, 1],
      padding: [0, 1, 1],
    },
    {
      planes: 1,
      inShape: [4],
      outShape: [3],
      kernel: [2],
      stride: [3],
      dilation: [1],
      padding: [3],
    },
  ];
  test("im2col, col2im, windowMax and windowSum", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(61);
      for (const w of geometries) {
        const inSize = w.planes * sizeOf(w.inShape);
        const colSize = w.planes * sizeOf(w.kernel) * sizeOf(w.outShape);
        const outSize = w.planes * sizeOf(w.outShape);
        const x = randomFloats(inSize, generator, -2, 2, 0.1).map((v) => Math.round(v * 2) / 2);
        const label = `planes ${w.planes} in [${w.inShape.join(", ")}] kernel [${w.kernel.join(", ")}]`;

        const cols = new Float32Array(colSize);
        referenceBackend.im2col(x, cols, w);
        const gpuCols = k.allocate("float32", colSize);
        k.im2col(uploadAt(k, x), gpuCols, w);
        expectSame(await k.read(gpuCols), cols, `im2col ${label}`);

        const c = randomFloats(colSize, generator, -2, 2, 0);
        const back = new Float32Array(inSize);
        referenceBackend.col2im(c, back, w);
        const gpuBack = k.allocate("float32", inSize);
        k.col2im(uploadAt(k, c), gpuBack, w);
        expectSame(await k.read(gpuBack), back, `col2im ${label}`);

        const max = new Float32Array(outSize);
        const at = new Int32Array(outSize);
        referenceBackend.windowMax(x, max, at, w);
        const gpuMax = k.allocate("float32", outSize);
        const gpuAt = k.allocate("int32", outSize);
        k.windowMax(uploadAt(k, x), gpuMax, gpuAt, w);
        expectSame(await k.read(gpuMax), max, `windowMax ${label}`);
        expectSame(await k.read(gpuAt), at, `windowMax indices ${label}`);

        const sum = new Float32Array(outSize);
        referenceBackend.windowSum(x, sum, w);
        const gpuSum = k.allocate("float32", outSize);
        k.windowSum(uploadAt(k, x), gpuSum, w);
        expectClose(await k.read(gpuSum), sum, `windowSum ${label}`, { rtol: 1.2e-7, atol: 0 });
      }
    });
  });
});
