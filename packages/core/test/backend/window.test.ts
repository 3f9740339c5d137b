import {
  type Backend,
  Generator,
  referenceBackend,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

// The fast window kernels visit each output element's inputs in the reference's order, so
// their results are held to be bit-identical to the reference's, on random geometries: odd
// sizes, strides, dilations, padding wider than the kernel reaches, windows hanging past the
// far edge (ceil mode), one and two spatial axes (three go to the reference), and empty
// planes and outputs.

type Geometry = Parameters<Backend["im2col"]>[2];
const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

function randomGeometry(generator: Generator, rank: number): Geometry {
  const planes = generator.integer(0, 4);
  const kernel: number[] = [];
  const stride: number[] = [];
  const dilation: number[] = [];
  const padding: number[] = [];
  const inShape: number[] = [];
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    kernel.push(generator.integer(1, 5));
    stride.push(generator.integer(1, 4));
    dilation.push(generator.integer(1, 3));
    padding.push(generator.integer(0, 4));
    inShape.push(generator.integer(1, 12));
    // Any number of positions, so some windows fall wholly outside x.
    outShape.push(generator.integer(0, 9));
  }
  return { planes, inShape, outShape, kernel, stride, dilation, padding };
}

function randomArray(
  kind: "float32" | "float64",
  size: number,
  generator: Generator,
  special = false,
): TypedArray {
  const values = Array.from({ length: size }, () => {
    if (special && generator.uniform() < 0.2) {
      return [Number.NaN, Infinity, -Infinity, 0, 1][generator.integer(0, 5)]!;
    }
    // Quarter steps make ties common, so the first-of-equals rule is exercised.
    return Math.round((generator.uniform() * 4 - 2) * 4) / 4 + generator.uniform() * 1e-3;
  });
  return kind === "float32" ? Float32Array.from(values) : Float64Array.from(values);
}

function compare(g: Geometry, kind: "float32" | "float64", generator: Generator): void {
  const label = `${kind} ${JSON.stringify(g)}`;
  const inSize = g.planes * product(g.inShape);
  const outSize = g.planes * product(g.outShape);
  const colSize = outSize * product(g.kernel);
  const make = (n: number) => (kind === "float32" ? new Float32Array(n) : new Float64Array(n));

  const x = randomArray(kind, inSize, generator, true);
  const fastCols = make(colSize).fill(7);
  const refCols = make(colSize).fill(7);
  wasmBackend.im2col(x, fastCols, g);
  referenceBackend.im2col(x, refCols, g);
  expectSame(fastCols, refCols, `im2col ${label}`);

  const cols = randomArray(kind, colSize, generator);
  const fastImage = make(inSize);
  const refImage = make(inSize);
  wasmBackend.col2im(cols, fastImage, g);
  referenceBackend.col2im(cols, refImage, g);
  expectSame(fastImage, refImage, `col2im ${label}`);

  const fastMax = make(outSize).fill(7);
  const refMax = make(outSize).fill(7);
  const fastIndex = new Int32Array(outSize).fill(7);
  const refIndex = new Int32Array(outSize).fill(7);
  wasmBackend.windowMax(x, fastMax, fastIndex, g);
  referenceBackend.windowMax(x, refMax, refIndex, g);
  expectSame(fastMax, refMax, `windowMax ${label}`);
  expectSame(fastIndex, refIndex, `windowMax indices ${label}`);

  const sums = randomArray(kind, inSize, generator);
  const fastSum = make(outSize).fill(7);
  const refSum = make(outSize).fill(7);
  wasmBackend.windowSum(sums, fastSum, g);
  referenceBackend.windowSum(sums, refSum, g);
  expectSame(fastSum, refSum, `windowSum ${label}`);
}

describe("the reference window kernels are the definition", () => {
  // One plane [1, 2, 3, 4, 5], kernel 2, stride 2, dilation 1, padding 1, 3 positions:
  // windows read x at [−1, 0], [1, 2], [3, 4].
  const g: Geometry = {
    planes: 1,
    inShape: [5],
    outShape: [3],
    kernel: [2],
    stride: [2],
    dilation: [1],
    padding: [1],
  };
  const x = Float64Array.from([1, 2, 3, 4, 5]);

  test("im2col: rows per kernel offset, zeros in the padding", () => {
    const cols = new Float64Array(6);
    referenceBackend.im2col(x, cols, g);
    expect(Array.from(cols)).toEqual([0, 2, 4, 1, 3, 5]);
  });

  test("col2im adds each column entry back where im2col read it", () => {
    const image = new Float64Array(5);
    referenceBackend.col2im(Float64Array.from([10, 20, 30, 1, 2, 3]), image, g);
    expect(Array.from(image)).toEqual([1, 20, 2, 30, 3]);
  });

  test("windowMax skips the padding; windowSum adds what is inside", () => {
    const out = new Float64Array(3);
    const indices = new Int32Array(3);
    referenceBackend.windowMax(x, out, indices, g);
    expect(Array.from(out)).toEqual([1, 3, 5]);
    expect(Array.from(indices)).toEqual([0, 2, 4]);
    referenceBackend.windowSum(x, out, g);
    expect(Array.from(out)).toEqual([1, 5, 9]);
  });

  test("windowMax: the first of equal values, the last NaN, −∞ where nothing is inside", () => {
    const wide: Geometry = { ...g, outShape: [4], kernel: [3], stride: [2], padding: [0] };
    const out = new Float64Array(4);
    const indices = new Int32Array(4);
    referenceBackend.windowMax(Float64Array.from([2, 2, 1, NaN, NaN, 0]), out, indices, wide);
    // Windows [0, 1, 2], [2, 3, 4], [4, 5, (6)], [(6), (7), (8)]
    expect(Array.from(out)).toEqual([2, NaN, NaN, -Infinity]);
    expect(Array.from(indices)).toEqual([0, 4, 4, -1]);
  });
});

describe("the fast window kernels match the reference bit for bit", () => {
  const generator = new Generator(2024);
  for (const rank of [1, 2, 3]) {
    for (const kind of ["float32", "float64"] as const) {
      test(`${rank} spatial axes, ${kind}`, () => {
        for (let trial = 0; trial < (rank === 3 ? 8 : 60); trial++) {
          compare(randomGeometry(generator, rank), kind, generator);
        }
      });
    }
  }

  test("the MNIST network's shapes: 3×3 im2col of 32 channels, 2×2 pooling", () => {
    const g: Geometry = {
      planes: 2 * 32,
      inShape: [26, 26],
      outShape: [24, 24],
      kernel: [3, 3],
      stride: [1, 1],
      dilation: [1, 1],
      padding: [0, 0],
    };
    compare(g, "float32", generator);
    compare({ ...g, outShape: [13, 13], kernel: [2, 2], stride: [2, 2] }, "float32", generator);
  });

  test("2×2 max pooling of stride 2 across, four windows at a time and the rest one by one", () => {
    // A taller stride, an odd width (a column never read) and 9 windows per row (two groups
    // of four and one left over), with NaN, ±∞, zeros and ties among the values.
    const g: Geometry = {
      planes: 5,
      inShape: [11, 19],
      outShape: [4, 9],
      kernel: [2, 2],
      stride: [3, 2],
      dilation: [1, 1],
      padding: [0, 0],
    };
    for (let trial = 0; trial < 4; trial++) compare(g, "float32", generator);
  });
});

describe("the fast gather and scatter-add match the reference bit for bit", () => {
  const generator = new Generator(7);
  for (const inner of [1, 3]) {
    test(`inner ${inner}`, () => {
      for (let trial = 0; trial < 20; trial++) {
        const outer = generator.integer(0, 4);
        const axisLen = generator.integer(1, 6);
        const indexLen = generator.integer(0, 8);
        const x = randomArray("float32", outer * axisLen * inner, generator);
        const g = randomArray("float32", outer * indexLen * inner, generator);
        const index = Int32Array.from({ length: outer * indexLen * inner }, () =>
          generator.integer(0, axisLen),
        );
        const args = [outer, axisLen, indexLen, inner] as const;
        const fast = new Float32Array(outer * indexLen * inner);
        const ref = new Float32Array(outer * indexLen * inner);
        wasmBackend.gather(x, index, fast, ...args);
        referenceBackend.gather(x, index, ref, ...args);
        expectSame(fast, ref, "gather");
        const fastSum = new Float32Array(x.length);
        const refSum = new Float32Array(x.length);
        wasmBackend.scatterAdd(g, index, fastSum, ...args);
        referenceBackend.scatterAdd(g, index, refSum, ...args);
        expectSame(fastSum, refSum, "scatterAdd");
      }
    });
  }
});
