import {
  type Backend,
  Generator,
  referenceBackend,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

// The fast scan walks columns in a different loop order from the reference but gives each
// column the same expressions in the same order, so it is held to bit-identical results.

type ScanKernel = Parameters<Backend["scan"]>[0];
type Kind = "float32" | "float64" | "int32" | "bool";

const OPS: ScanKernel[] = ["sum", "prod", "max", "min", "logsumexp"];
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 1e-30, -1e30, 88, Infinity, -Infinity, NaN];

function randomArray(kind: Kind, size: number, generator: Generator): TypedArray {
  // Quarter steps make ties common, so the tie rule of max and min is exercised.
  const values = Array.from({ length: size }, () =>
    generator.uniform() < 0.15
      ? SPECIAL[generator.integer(0, SPECIAL.length)]!
      : Math.round((generator.uniform() * 4 - 2) * 4) / 4,
  );
  if (kind === "float32") return Float32Array.from(values);
  if (kind === "float64") return Float64Array.from(values);
  if (kind === "int32") return Int32Array.from(values, (v) => (Number.isFinite(v) ? v * 4 : 7));
  return Uint8Array.from(values, (v) => (v > 0 ? 1 : 0));
}

/** The array a scan of `kind` writes: sums and products of integers and booleans are int32. */
function outputFor(op: ScanKernel, kind: Kind, size: number): TypedArray {
  if (kind === "float32") return new Float32Array(size);
  if (kind === "float64") return new Float64Array(size);
  if (kind === "bool" && (op === "max" || op === "min")) return new Uint8Array(size);
  return new Int32Array(size);
}

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  // Object.is tells -0 from 0 and matches NaN with NaN.
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

function runBoth(
  op: ScanKernel,
  kind: Kind,
  [outer, axisLen, inner]: readonly [number, number, number],
  generator: Generator,
): void {
  const size = outer * axisLen * inner;
  const x = randomArray(kind, size, generator);
  const extreme = op === "max" || op === "min";
  const fast = outputFor(op, kind, size);
  const expected = outputFor(op, kind, size);
  const fastIndices = extreme ? new Int32Array(size).fill(-1) : null;
  const expectedIndices = extreme ? new Int32Array(size).fill(-1) : null;
  wasmBackend.scan(op, x, outer, axisLen, inner, fast, fastIndices);
  referenceBackend.scan(op, x, outer, axisLen, inner, expected, expectedIndices);
  const label = `${op} ${kind} [${outer}, ${axisLen}, ${inner}]`;
  expectSame(fast, expected, label);
  if (fastIndices && expectedIndices) expectSame(fastIndices, expectedIndices, `${label} indices`);
}

describe("the reference scan is the definition", () => {
  test("running sum, product, max, min and log Σ exp of one line", () => {
    const x = Float64Array.from([1, 3, 3, -2, 0]);
    const out = new Float64Array(5);
    const indices = new Int32Array(5);
    referenceBackend.scan("sum", x, 1, 5, 1, out, null);
    expect(Array.from(out)).toEqual([1, 4, 7, 5, 5]);
    referenceBackend.scan("prod", x, 1, 5, 1, out, null);
    expect(Array.from(out)).toEqual([1, 3, 9, -18, -0]);
    referenceBackend.scan("max", x, 1, 5, 1, out, indices);
    expect(Array.from(out)).toEqual([1, 3, 3, 3, 3]);
    // The later of two equal maxima wins, as in PyTorch's cummax.
    expect(Array.from(indices)).toEqual([0, 1, 2, 2, 2]);
    referenceBackend.scan("min", x, 1, 5, 1, out, indices);
    expect(Array.from(out)).toEqual([1, 1, 1, -2, -2]);
    expect(Array.from(indices)).toEqual([0, 0, 0, 3, 3]);
    referenceBackend.scan("logsumexp", Float64Array.from([0, 0, Math.log(2)]), 1, 3, 1, out, null);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(Math.log(2), 15);
    expect(out[2]).toBeCloseTo(Math.log(4), 15);
  });

  test("a NaN sticks to the running extreme and its index", () => {
    const x = Float64Array.from([1, NaN, 5, NaN]);
    const out = new Float64Array(4);
    const indices = new Int32Array(4);
    referenceBackend.scan("max", x, 1, 4, 1, out, indices);
    expect(Array.from(out)).toEqual([1, NaN, NaN, NaN]);
    expect(Array.from(indices)).toEqual([0, 1, 1, 1]);
  });

  test("log Σ exp keeps infinities: −∞ is its identity, +∞ absorbs", () => {
    const x = Float64Array.from([-Infinity, -Infinity, 1, Infinity, 2]);
    const out = new Float64Array(5);
    referenceBackend.scan("logsumexp", x, 1, 5, 1, out, null);
    expect(Array.from(out)).toEqual([-Infinity, -Infinity, 1, Infinity, Infinity]);
  });

  test("the scanned axis sits between outer and inner blocks", () => {
    // x as [2, 2, 3]: each of the 2 · 3 columns is summed along the middle axis.
    const x = Float64Array.from({ length: 12 }, (_, i) => i);
    const out = new Float64Array(12);
    referenceBackend.scan("sum", x, 2, 2, 3, out, null);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 5, 7, 6, 7, 8, 15, 17, 19]);
  });
});

describe("wasm scan is bit-identical to the reference", () => {
  test("every op and dtype over random layouts, odd sizes and special values", () => {
    const generator = new Generator(11);
    const kinds: Kind[] = ["float32", "float64", "int32", "bool"];
    for (let trial = 0; trial < 200; trial++) {
      const layout = [
        generator.integer(1, 5),
        generator.integer(1, 19),
        generator.integer(1, 7),
      ] as const;
      const op = OPS[trial % OPS.length]!;
      const kind = kinds[Math.floor(trial / OPS.length) % kinds.length]!;
      if (op === "logsumexp" && (kind === "int32" || kind === "bool")) continue;
      runBoth(op, kind, layout, generator);
    }
  });

  test("empty and single-element layouts", () => {
    const generator = new Generator(12);
    const layouts: [number, number, number][] = [
      [0, 3, 2],
      [2, 0, 3],
      [2, 3, 0],
      [0, 0, 0],
      [1, 1, 1],
      [1, 37, 1],
      [3, 1, 5],
    ];
    for (const op of OPS) {
      for (const layout of layouts) {
        for (const kind of ["float32", "float64"] as const) runBoth(op, kind, layout, generator);
      }
    }
  });
});
