import {
  type Backend,
  Generator,
  referenceBackend,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

// The fast sort uses a merge sort over typed arrays where the reference sorts an array of
// positions with a comparator; a stable sort under one order has one result, so the two are
// held to bit-identical values and indices.

type Kind = "float32" | "float64" | "int32" | "bool";
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 1e-30, -1e30, Infinity, -Infinity, NaN, NaN];

function randomArray(kind: Kind, size: number, generator: Generator): TypedArray {
  // Quarter steps in a small range make ties common.
  const values = Array.from({ length: size }, () =>
    generator.uniform() < 0.2
      ? SPECIAL[generator.integer(0, SPECIAL.length)]!
      : Math.round((generator.uniform() * 4 - 2) * 4) / 4,
  );
  if (kind === "float32") return Float32Array.from(values);
  if (kind === "float64") return Float64Array.from(values);
  if (kind === "int32") return Int32Array.from(values, (v) => (Number.isFinite(v) ? v * 4 : -7));
  return Uint8Array.from(values, (v) => (v > 0 ? 1 : 0));
}

function like(kind: Kind, size: number): TypedArray {
  if (kind === "float32") return new Float32Array(size);
  if (kind === "float64") return new Float64Array(size);
  if (kind === "int32") return new Int32Array(size);
  return new Uint8Array(size);
}

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  // Object.is tells -0 from 0 and matches NaN with NaN.
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

function sortWith(
  backend: Backend,
  x: TypedArray,
  kind: Kind,
  [outer, axisLen, inner]: readonly [number, number, number],
  descending: boolean,
) {
  const values = like(kind, x.length);
  const indices = new Int32Array(x.length).fill(-1);
  backend.sort(x, outer, axisLen, inner, values, indices, descending, true);
  return { values, indices };
}

function runBoth(
  kind: Kind,
  layout: readonly [number, number, number],
  descending: boolean,
  generator: Generator,
): void {
  const x = randomArray(kind, layout[0] * layout[1] * layout[2], generator);
  const fast = sortWith(wasmBackend, x, kind, layout, descending);
  const expected = sortWith(referenceBackend, x, kind, layout, descending);
  const label = `${kind} [${layout.join(", ")}] ${descending ? "descending" : "ascending"}`;
  expectSame(fast.values, expected.values, label);
  expectSame(fast.indices, expected.indices, `${label} indices`);
}

describe("the reference sort is the definition", () => {
  test("ascending: NaN last, −0 and 0 in their original order, ties stable", () => {
    const x = Float64Array.from([1, Number.NaN, -0, 0, 3, Number.NaN, -1, 1]);
    const { values, indices } = sortWith(referenceBackend, x, "float64", [1, 8, 1], false);
    expect(Array.from(values)).toEqual([-1, -0, 0, 1, 1, 3, Number.NaN, Number.NaN]);
    expect(Object.is(values[1], -0)).toBe(true);
    expect(Array.from(indices)).toEqual([6, 2, 3, 0, 7, 4, 1, 5]);
  });

  test("descending: NaN first, ties keep their order (PyTorch's stable descending sort)", () => {
    const x = Float64Array.from([1, Number.NaN, -0, 0, 3, Number.NaN, -1, 1]);
    const { values, indices } = sortWith(referenceBackend, x, "float64", [1, 8, 1], true);
    expect(Array.from(values)).toEqual([Number.NaN, Number.NaN, 3, 1, 1, -0, 0, -1]);
    expect(Array.from(indices)).toEqual([1, 5, 4, 0, 7, 2, 3, 6]);
  });

  test("along a middle axis: each column of [2, 3, 2] sorted on its own", () => {
    // x[o, j, i] = the values below, laid out [outer 2, axis 3, inner 2]
    const x = Int32Array.from([5, 0, 1, 2, 3, 1, 0, 9, 7, 8, 7, 7]);
    const { values, indices } = sortWith(referenceBackend, x, "int32", [2, 3, 2], false);
    expect(Array.from(values)).toEqual([1, 0, 3, 1, 5, 2, 0, 7, 7, 8, 7, 9]);
    expect(Array.from(indices)).toEqual([1, 0, 2, 2, 0, 1, 0, 2, 1, 1, 2, 0]);
  });
});

describe("the fast sort equals the reference bit for bit", () => {
  const kinds: Kind[] = ["float32", "float64", "int32", "bool"];
  const layouts: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [3, 23, 1],
    [1, 24, 1],
    [1, 25, 1],
    [2, 49, 3],
    [1, 97, 1],
    [1, 300, 1],
    [4, 5, 7],
    [1, 1000, 1],
    [0, 5, 3],
    [3, 0, 2],
    [2, 4, 0],
  ];
  for (const kind of kinds) {
    test(`${kind}: odd sizes, ties, NaN, empty, both directions`, () => {
      const generator = new Generator(7);
      for (const layout of layouts) {
        runBoth(kind, layout, false, generator);
        runBoth(kind, layout, true, generator);
      }
    });
  }

  test("random shapes", () => {
    const generator = new Generator(11);
    for (let trial = 0; trial < 40; trial++) {
      const layout: [number, number, number] = [
        generator.integer(1, 4),
        generator.integer(1, 130),
        generator.integer(1, 4),
      ];
      const kind = kinds[generator.integer(0, kinds.length)]!;
      runBoth(kind, layout, generator.uniform() < 0.5, generator);
    }
  });

  test("all NaN, all equal, already sorted and reversed lines", () => {
    const n = 77;
    const lines = [
      new Float64Array(n).fill(Number.NaN),
      new Float64Array(n).fill(2),
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
    ];
    for (const x of lines) {
      for (const descending of [false, true]) {
        const fast = sortWith(wasmBackend, x, "float64", [1, n, 1], descending);
        const expected = sortWith(referenceBackend, x, "float64", [1, n, 1], descending);
        expectSame(fast.values, expected.values, "values");
        expectSame(fast.indices, expected.indices, "indices");
      }
    }
  });
});
