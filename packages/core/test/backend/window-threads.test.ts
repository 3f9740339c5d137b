/**
 * The float32 window kernels split over worker threads by planes: bit-identical to the
 * reference (each plane is computed by one thread, in the reference's order), on inputs large
 * enough to be split, with the workers seen to run slices.
 */
import {
  type Backend,
  Generator,
  referenceBackend,
  setNumThreads,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, expect, test } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { untilWorkersRun } from "./kernel-check.js";

type Geometry = Parameters<Backend["im2col"]>[2];

afterEach(() => {
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

function random(size: number, generator: Generator): Float32Array {
  // Quarter steps make ties common, so max pooling's first-of-equals rule is exercised.
  return Float32Array.from(
    { length: size },
    () => Math.round((generator.uniform() * 4 - 2) * 4) / 4 + generator.uniform() * 1e-3,
  );
}

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

test("im2col, col2im, max and sum pooling on three threads match the reference", () => {
  threadTesting.cores = 4;
  threadTesting.busy = false;
  setNumThreads(3);
  const generator = new Generator(31);
  const geometries: Geometry[] = [
    // The MNIST network's second convolution (fewer planes), and its 2×2 max-pool.
    {
      planes: 300,
      inShape: [26, 26],
      outShape: [24, 24],
      kernel: [3, 3],
      stride: [1, 1],
      dilation: [1, 1],
      padding: [0, 0],
    },
    {
      planes: 700,
      inShape: [24, 24],
      outShape: [12, 12],
      kernel: [2, 2],
      stride: [2, 2],
      dilation: [1, 1],
      padding: [0, 0],
    },
    // Strided, dilated and padded, with windows past the far edge.
    {
      planes: 240,
      inShape: [31, 29],
      outShape: [17, 16],
      kernel: [3, 2],
      stride: [2, 2],
      dilation: [2, 1],
      padding: [2, 1],
    },
  ];
  for (const g of geometries) {
    const label = JSON.stringify(g);
    const inSize = g.planes * product(g.inShape);
    const outSize = g.planes * product(g.outShape);
    const colSize = outSize * product(g.kernel);
    const x = random(inSize, generator);

    const cols = new Float32Array(colSize);
    const refCols = new Float32Array(colSize);
    referenceBackend.im2col(x, refCols, g);
    untilWorkersRun(() => {
      cols.fill(7);
      wasmBackend.im2col(x, cols, g);
      expectSame(cols, refCols, `im2col ${label}`);
    });

    const image = new Float32Array(inSize);
    const refImage = new Float32Array(inSize);
    const back = random(colSize, generator);
    referenceBackend.col2im(back, refImage, g);
    untilWorkersRun(() => {
      image.fill(0);
      wasmBackend.col2im(back, image, g);
      expectSame(image, refImage, `col2im ${label}`);
    });

    const out = new Float32Array(outSize);
    const indices = new Int32Array(outSize);
    const refOut = new Float32Array(outSize);
    const refIndices = new Int32Array(outSize);
    referenceBackend.windowMax(x, refOut, refIndices, g);
    untilWorkersRun(() => {
      wasmBackend.windowMax(x, out, indices, g);
      expectSame(out, refOut, `windowMax ${label}`);
      expectSame(indices, refIndices, `windowMax indices ${label}`);
    });

    referenceBackend.windowSum(x, refOut, g);
    untilWorkersRun(() => {
      out.fill(7);
      wasmBackend.windowSum(x, out, g);
      expectSame(out, refOut, `windowSum ${label}`);
    });
  }
});
