/**
 * The fast strided copy against the reference, bit for bit, at every rank: permutations of
 * up to six axes (attention's [B, T, H, D] → [B, H, T, D] among them), transposes of the
 * inner two axes large enough to be copied in tiles, runs long enough for TypedArray.set,
 * reversed (negative) strides, broadcasts, offsets, empty shapes and dtype conversions.
 */
import {
  Generator,
  referenceBackend,
  type StridedView,
  type TypedArray,
  wasmBackend,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

type Kind = "float32" | "float64" | "int32" | "bool";

function make(kind: Kind, size: number): TypedArray {
  if (kind === "float32") return new Float32Array(size);
  if (kind === "float64") return new Float64Array(size);
  if (kind === "int32") return new Int32Array(size);
  return new Uint8Array(size);
}

function random(kind: Kind, size: number, generator: Generator): TypedArray {
  const out = make(kind, size);
  for (let i = 0; i < size; i++) out[i] = (generator.uniform() * 2 - 1) * 100;
  return out;
}

const stridesOf = (shape: readonly number[]) => {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d]!;
  }
  return strides;
};

/** Fisher–Yates with the seeded generator. */
function shuffle(n: number, generator: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.integer(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function expectSame(actual: TypedArray, expected: TypedArray, label: string): void {
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

/**
 * Copies `src`, a view of `shape`, into a contiguous destination at offset 3 of a larger
 * array on both backends and compares every element of the arrays.
 */
function compare(src: StridedView, shape: number[], to: Kind, label: string): void {
  const size = shape.reduce((a, b) => a * b, 1);
  const dst = (data: TypedArray): StridedView => ({ data, offset: 3, strides: stridesOf(shape) });
  const fast = make(to, size + 5).fill(7);
  const expected = make(to, size + 5).fill(7);
  wasmBackend.copy(src, dst(fast), shape);
  referenceBackend.copy(src, dst(expected), shape);
  expectSame(fast, expected, label);
}

/** The view of a contiguous array of `stored` shape read with its axes in `order`. */
function permuted(data: TypedArray, stored: number[], order: number[], offset = 0) {
  const strides = stridesOf(stored);
  return {
    view: { data, offset, strides: order.map((a) => strides[a]!) },
    shape: order.map((a) => stored[a]!),
  };
}

describe("strided copies of any rank match the reference bit for bit", () => {
  test("random permutations of 3 to 6 axes, with offsets, across dtypes", () => {
    const generator = new Generator(21);
    const pairs: [Kind, Kind][] = [
      ["float32", "float32"],
      ["float64", "float64"],
      ["float32", "float64"],
      ["float64", "int32"],
      ["int32", "float32"],
      ["float32", "bool"],
    ];
    for (let trial = 0; trial < 90; trial++) {
      const rank = generator.integer(3, 7);
      const stored = Array.from({ length: rank }, () => generator.integer(1, 6));
      const [from, to] = pairs[trial % pairs.length]!;
      const size = stored.reduce((a, b) => a * b, 1);
      const data = random(from, size + 2, generator);
      const { view, shape } = permuted(data, stored, shuffle(rank, generator), 2);
      compare(view, shape, to, `${from}→${to} ${JSON.stringify([stored, view.strides])}`);
    }
  });

  test("attention's head split and merge, [B, T, H, D] ↔ [B, H, T, D]", () => {
    const generator = new Generator(22);
    for (const [b, t, h, d] of [
      [2, 64, 4, 32],
      [3, 5, 2, 70],
      [1, 33, 8, 1],
    ]) {
      for (const kind of ["float32", "float64"] as const) {
        const data = random(kind, b! * t! * h! * d!, generator);
        const split = permuted(data, [b!, t!, h!, d!], [0, 2, 1, 3]);
        compare(split.view, split.shape, kind, `${kind} split ${[b, t, h, d]}`);
        const merge = permuted(data, [b!, h!, t!, d!], [0, 2, 1, 3]);
        compare(merge.view, merge.shape, kind, `${kind} merge ${[b, t, h, d]}`);
      }
    }
  });

  test("large float32 permutations with short rows, through the WebAssembly kernel", () => {
    const generator = new Generator(25);
    // 65536 elements and more (the kernel's threshold): the GPT's heads, rows of 30 (a scalar
    // tail after seven vectors), reversed strides with an offset, three axes, and a view
    // reading a slice (every other row) that is still copied through the kernel.
    const cases: [number[], number[], number][] = [
      [[8, 64, 4, 32], [0, 2, 1, 3], 0],
      [[4, 70, 8, 30], [0, 2, 1, 3], 5],
      [[256, 9, 30], [1, 0, 2], 1],
    ];
    for (const [stored, order, offset] of cases) {
      const size = stored.reduce((a, b) => a * b, 1);
      const data = random("float32", size + offset + 1, generator);
      const { view, shape } = permuted(data, stored, order, offset);
      compare(view, shape, "float32", `permute ${JSON.stringify([stored, order])}`);
      const reversed = {
        data,
        offset: offset + (shape[0]! - 1) * view.strides[0]!,
        strides: [-view.strides[0]!, ...view.strides.slice(1)],
      };
      compare(reversed, shape, "float32", `reversed ${JSON.stringify([stored, order])}`);
    }
    const rows = random("float32", 2 * 2048 * 48 + 1, generator);
    const everyOther = { data: rows, offset: 1, strides: [96, 1] };
    compare(everyOther, [2048, 48], "float32", "every other row of 48");
    const wide = { data: rows, offset: 0, strides: [4 * 48, 1] };
    compare(wide, [1024, 48], "float32", "every fourth row: too sparse for the kernel");
  });

  test("transposed inner axes copied in tiles: square, ragged and batched", () => {
    const generator = new Generator(23);
    for (const [batch, m, n] of [
      [1, 64, 64],
      [1, 97, 45],
      [3, 40, 129],
      [2, 31, 200],
    ]) {
      for (const kind of ["float32", "float64", "int32"] as const) {
        const data = random(kind, batch! * m! * n!, generator);
        const { view, shape } = permuted(data, [batch!, m!, n!], [0, 2, 1]);
        compare(view, shape, kind, `${kind} transpose ${[batch, m, n]}`);
      }
    }
  });

  test("reversed strides, broadcast axes, long contiguous runs and empty shapes", () => {
    const generator = new Generator(24);
    const data = random("float32", 4 * 5 * 130, generator);
    // Every axis reversed: negative strides from the last element.
    compare(
      { data, offset: 4 * 5 * 130 - 1, strides: [-650, -130, -1] },
      [4, 5, 130],
      "float32",
      "reversed",
    );
    // A row broadcast over two leading axes (stride 0), and a long run under a permutation.
    compare({ data, offset: 7, strides: [0, 0, 1] }, [3, 4, 130], "float32", "broadcast");
    compare({ data, offset: 7, strides: [0, 0, 1] }, [3, 4, 130], "float64", "broadcast cast");
    // One value per row broadcast along it (a per-row statistic expanded), in both float
    // types and cast, and short contiguous runs under a permutation (attention's head split).
    for (const kind of ["float32", "float64"] as const) {
      const own = random(kind, 4 * 5 * 130, generator);
      compare({ data: own, offset: 2, strides: [5, 1, 0] }, [4, 5, 70], kind, `${kind} row fill`);
      const heads = permuted(own, [4, 6, 5, 7], [0, 2, 1, 3], 9);
      compare(heads.view, heads.shape, kind, `${kind} short runs`);
    }
    compare({ data, offset: 2, strides: [5, 1, 0] }, [4, 5, 70], "float64", "row fill cast");
    const runs = permuted(data, [4, 5, 130], [1, 0, 2]);
    compare(runs.view, runs.shape, "float32", "long runs");
    compare({ data, offset: 0, strides: [650, 130, 1] }, [4, 0, 130], "float32", "empty");
    compare({ data, offset: 5, strides: [] }, [], "float64", "scalar");
  });
});
