import {
  type Backend,
  Generator,
  referenceBackend,
  type StridedView,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

// The fast scatter-reduce walks a precomputed list of targets where the reference calls back
// per element; each target sees the same steps in the same order, so the results are held to
// be bit-identical.

type Op = Parameters<Backend["scatterReduce"]>[0];
const OPS: Op[] = ["assign", "sum", "prod", "mean", "amax", "amin"];
type Kind = "float32" | "float64" | "int32";
const SPECIAL = [0, -0, 1, -1, 2.5, Infinity, -Infinity, NaN];

function randomArray(kind: Kind, size: number, generator: Generator): TypedArray {
  const values = Array.from({ length: size }, () =>
    generator.uniform() < 0.15
      ? SPECIAL[generator.integer(0, SPECIAL.length)]!
      : Math.round((generator.uniform() * 4 - 2) * 4) / 4,
  );
  if (kind === "float32") return Float32Array.from(values);
  if (kind === "float64") return Float64Array.from(values);
  return Int32Array.from(values, (v) => (Number.isFinite(v) ? v * 4 : 3));
}

const stridesOf = (shape: readonly number[]) => {
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
};

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

/** A random case: out's shape, an index space no larger off the axis, indices in range. */
function runBoth(op: Op, kind: Kind, generator: Generator, strided: boolean): void {
  const rank = generator.integer(1, 4);
  const outShape = Array.from({ length: rank }, () => generator.integer(1, 6));
  const axis = generator.integer(0, rank);
  const shape = outShape.map((d, k) =>
    k === axis ? generator.integer(0, 8) : generator.integer(1, d + 1),
  );
  const size = shape.reduce((a, b) => a * b, 1);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const self = randomArray(kind, outSize, generator);
  const indexData = Int32Array.from({ length: size }, () => generator.integer(0, outShape[axis]!));
  // A strided source: a larger array read with a doubled last stride and an offset.
  const srcData = randomArray(kind, strided ? 2 * size + 3 : size, generator);
  const srcStrides = stridesOf(shape);
  const src: StridedView = strided
    ? { data: srcData, offset: 3, strides: srcStrides.map((s) => 2 * s) }
    : { data: srcData, offset: 0, strides: srcStrides };
  const index: StridedView = { data: indexData, offset: 0, strides: stridesOf(shape) };
  const includeSelf = generator.uniform() < 0.5;
  const fast = self.slice();
  const expected = self.slice();
  const outStrides = stridesOf(outShape);
  wasmBackend.scatterReduce(op, src, index, fast, outStrides, shape, axis, includeSelf);
  referenceBackend.scatterReduce(op, src, index, expected, outStrides, shape, axis, includeSelf);
  const label = `${op} ${kind} out [${outShape.join(", ")}] index [${shape.join(", ")}] axis ${axis}`;
  expectSame(fast, expected, label);
}

describe("the reference scatter-reduce is the definition", () => {
  const src = (values: number[]): StridedView => ({
    data: Float64Array.from(values),
    offset: 0,
    strides: [1],
  });
  const index: StridedView = { data: Int32Array.from([0, 2, 0, 0]), offset: 0, strides: [1] };
  const run = (op: Op, includeSelf: boolean, self = [10, 20, 30]) => {
    const out = Float64Array.from(self);
    referenceBackend.scatterReduce(op, src([1, 2, 3, 4]), index, out, [1], [4], 0, includeSelf);
    return Array.from(out);
  };

  test("each reduction, with and without self", () => {
    expect(run("assign", true)).toEqual([4, 20, 2]);
    expect(run("sum", true)).toEqual([10 + 1 + 3 + 4, 20, 30 + 2]);
    expect(run("sum", false)).toEqual([1 + 3 + 4, 20, 2]);
    expect(run("prod", true)).toEqual([10 * 1 * 3 * 4, 20, 30 * 2]);
    expect(run("prod", false)).toEqual([1 * 3 * 4, 20, 2]);
    expect(run("mean", true)).toEqual([(10 + 1 + 3 + 4) / 4, 20, (30 + 2) / 2]);
    expect(run("mean", false)).toEqual([(1 + 3 + 4) / 3, 20, 2]);
    expect(run("amax", true)).toEqual([10, 20, 30]);
    expect(run("amax", false)).toEqual([4, 20, 2]);
    expect(run("amin", true)).toEqual([1, 20, 2]);
  });

  test("NaN wins amax and amin from either side; integer means divide with floor", () => {
    expect(run("amax", true, [Number.NaN, 0, 0])).toEqual([Number.NaN, 0, 2]);
    const out = Int32Array.from([-1, 0, 0]);
    const intSrc: StridedView = { data: Int32Array.from([-4, 2, 2, 0]), offset: 0, strides: [1] };
    referenceBackend.scatterReduce("mean", intSrc, index, out, [1], [4], 0, true);
    // (−1 − 4 + 2 + 0) / 4 = −0.75, floored to −1; (0 + 2) / 2 = 1
    expect(Array.from(out)).toEqual([-1, 0, 1]);
  });
});

describe("the fast scatter-reduce equals the reference bit for bit", () => {
  for (const op of OPS) {
    test(`${op}: random shapes, axes, repeats, NaN, empty index spaces, strided sources`, () => {
      const generator = new Generator(OPS.indexOf(op) + 1);
      for (const kind of ["float32", "float64", "int32"] as const) {
        for (let trial = 0; trial < 25; trial++) runBoth(op, kind, generator, trial % 3 === 0);
      }
    });
  }
});
