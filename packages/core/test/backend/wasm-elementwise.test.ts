import {
  type BinaryKernel,
  Generator,
  type ReduceKernel,
  referenceBackend,
  type StridedView,
  setNumThreads,
  type TypedArray,
  type UnaryKernel,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { untilWorkersRun } from "./kernel-check.js";

// The JavaScript kernels evaluate the reference's expressions in the reference's order, so
// they are held to bit-identical results (NaN where the reference gives NaN).

const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-30, -1e30, 88, -104, Infinity, -Infinity, NaN];

type Kind = "float32" | "float64" | "int32" | "bool";

function randomArray(kind: Kind, size: number, generator: Generator): TypedArray {
  const values = Array.from({ length: size }, (_, i) =>
    i < SPECIAL.length && generator.uniform() < 0.3
      ? SPECIAL[i]!
      : Math.round((generator.uniform() * 8 - 4) * 4) / 4,
  );
  if (kind === "float32") return Float32Array.from(values);
  if (kind === "float64") return Float64Array.from(values);
  if (kind === "int32") return Int32Array.from(values, (v) => (Number.isFinite(v) ? v : 7));
  return Uint8Array.from(values, (v) => (v > 0 ? 1 : 0));
}

function blank(kind: Kind, size: number): TypedArray {
  if (kind === "float32") return new Float32Array(size);
  if (kind === "float64") return new Float64Array(size);
  if (kind === "int32") return new Int32Array(size);
  return new Uint8Array(size);
}

function expectSame(actual: TypedArray, expected: TypedArray, label: string): void {
  expect(actual.constructor, label).toBe(expected.constructor);
  // Object.is tells -0 from 0 and matches NaN with NaN.
  const first = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(first, `${label}: element ${first} is ${actual[first]}, expected ${expected[first]}`).toBe(
    -1,
  );
}

function stridesOf(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** A view of an operand of `own` shape (each dim 1 or the output's) broadcast to `shape`. */
function broadcastView(
  data: TypedArray,
  own: readonly number[],
  shape: readonly number[],
): StridedView {
  const strides = stridesOf(own).map((s, d) => (own[d] === 1 && shape[d] !== 1 ? 0 : s));
  return { data, offset: 0, strides };
}

const unaryOps: UnaryKernel[] = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "sigmoid",
  "tanh",
  "sign",
  "step",
  "sin",
  "cos",
  "floor",
  "ceil",
  "round",
  "trunc",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "asinh",
  "acosh",
  "atanh",
  "log2",
  "log10",
  "log1p",
  "exp2",
  "expm1",
  "erf",
  "erfc",
  "erfinv",
  "gelu",
];
const binaryOps: BinaryKernel[] = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "reluGrad",
  "geluGrad",
  "atan2",
  "remainder",
  "fmod",
  "floorDivide",
  "copysign",
  "hypot",
  "logaddexp",
  "logicalAnd",
  "logicalOr",
  "logicalXor",
];
const comparisons = new Set<BinaryKernel>(["eq", "ne", "lt", "le", "gt", "ge"]);
/** Kernels that write bytes (0 or 1): the comparisons and the logical ops. */
const boolOutputs = new Set<BinaryKernel>([
  ...comparisons,
  "logicalAnd",
  "logicalOr",
  "logicalXor",
]);
const reduceOps: ReduceKernel[] = ["sum", "max", "min", "prod"];

describe("wasm backend elementwise kernels are bit-identical to the reference", () => {
  test("unary ops on float32 and float64, special values included, sizes 0 to 37", () => {
    const generator = new Generator(1);
    for (const op of unaryOps) {
      for (const kind of ["float32", "float64"] as const) {
        for (const size of [0, 1, 3, 4, 5, 16, 37]) {
          const x = randomArray(kind, size, generator);
          const fast = blank(kind, size);
          const expected = blank(kind, size);
          wasmBackend.unary(op, x, fast);
          referenceBackend.unary(op, x, expected);
          expectSame(fast, expected, `${op} ${kind} [${size}]`);
        }
      }
    }
  });

  test("binary ops over random shapes with broadcast operands, scalars and mixed dtypes", () => {
    const generator = new Generator(2);
    const pairs: [Kind, Kind, Kind][] = [
      ["float32", "float32", "float32"],
      ["float64", "float64", "float64"],
      ["float32", "bool", "float32"],
      ["int32", "int32", "int32"],
      ["float64", "int32", "float64"],
    ];
    for (let trial = 0; trial < 240; trial++) {
      const rank = generator.integer(0, 5);
      const shape = Array.from({ length: rank }, () => generator.integer(0, 5));
      // Each operand keeps or broadcasts each dimension (and may drop leading ones).
      const own = () => shape.map((d) => (generator.uniform() < 0.35 ? 1 : d));
      const aShape = own();
      const bShape = own();
      const op = binaryOps[trial % binaryOps.length]!;
      const [ak, bk, ok] = pairs[trial % pairs.length]!;
      const size = shape.reduce((x, y) => x * y, 1);
      const a = randomArray(
        ak,
        aShape.reduce((x, y) => x * y, 1),
        generator,
      );
      const b = randomArray(
        bk,
        bShape.reduce((x, y) => x * y, 1),
        generator,
      );
      const outKind = boolOutputs.has(op) ? "bool" : ok;
      const fast = blank(outKind, size);
      const expected = blank(outKind, size);
      const views = [broadcastView(a, aShape, shape), broadcastView(b, bShape, shape)] as const;
      wasmBackend.binary(op, views[0], views[1], fast, shape);
      referenceBackend.binary(op, views[0], views[1], expected, shape);
      expectSame(fast, expected, `${op} ${JSON.stringify([aShape, bShape, shape])}`);
    }
  });

  test("binary ops on offset and permuted views, which fall back where they must", () => {
    const generator = new Generator(3);
    const data = randomArray("float32", 200, generator);
    const shape = [3, 4, 5];
    // A transposed view with an offset: strides that no merge simplifies.
    const a: StridedView = { data, offset: 7, strides: [1, 15, 3] };
    const b: StridedView = { data, offset: 0, strides: [20, 5, 1] };
    for (const op of binaryOps) {
      const outKind = boolOutputs.has(op) ? "bool" : "float32";
      const fast = blank(outKind, 60);
      const expected = blank(outKind, 60);
      wasmBackend.binary(op, a, b, fast, shape);
      referenceBackend.binary(op, a, b, expected, shape);
      expectSame(fast, expected, `${op} on a permuted view`);
    }
  });

  test("binary ops read as one flat loop: contiguous or scalar views, size-1 dimensions with any stride, offsets, empty shapes", () => {
    const generator = new Generator(4);
    const data = randomArray("float32", 40, generator);
    const scalar: StridedView = { data, offset: 11, strides: [0, 0, 0] };
    const cases: [string, StridedView, StridedView, number[]][] = [
      ["contiguous with an offset", { data, offset: 3, strides: [12, 4, 1] }, scalar, [2, 3, 4]],
      // Strides of size-1 dimensions are never used, whatever they are.
      ["size-1 dims, odd strides", { data, offset: 2, strides: [99, 4, 1] }, scalar, [1, 3, 4]],
      ["trailing size-1 dim", { data, offset: 0, strides: [7, 1, 5] }, scalar, [2, 7, 1]],
      ["all size 1", { data, offset: 9, strides: [3, 2, 1] }, scalar, [1, 1, 1]],
      ["empty", { data, offset: 0, strides: [0, 4, 1] }, scalar, [0, 3, 4]],
      // Not flat: a gap between rows, and a transposed view, take the collapsing path.
      ["rows with a gap", { data, offset: 0, strides: [10, 5, 1] }, scalar, [2, 2, 5]],
      ["transposed", { data, offset: 0, strides: [1, 2, 8] }, scalar, [2, 4, 3]],
    ];
    for (const [label, a, b, shape] of cases) {
      const size = shape.reduce((p, d) => p * d, 1);
      for (const op of binaryOps) {
        const outKind = boolOutputs.has(op) ? "bool" : "float32";
        for (const [x, y] of [
          [a, b],
          [b, a],
          [a, a],
        ] as const) {
          const fast = blank(outKind, size);
          const expected = blank(outKind, size);
          wasmBackend.binary(op, x, y, fast, shape);
          referenceBackend.binary(op, x, y, expected, shape);
          expectSame(fast, expected, `${op}, ${label}`);
        }
      }
    }
  });

  test("ReLU and comparisons of large float32 arrays (the SIMD kernels), tails of 0 to 15", () => {
    const generator = new Generator(5);
    for (const size of [1024, 1031, 2063, 4096 + 15]) {
      const x = randomArray("float32", size, generator);
      // Special values spread through the array, not only at its start.
      for (let i = 0; i < size; i += 97) x[i] = SPECIAL[(i / 97) % SPECIAL.length]!;
      const fast = new Float32Array(size);
      const expected = new Float32Array(size);
      wasmBackend.unary("relu", x, fast);
      referenceBackend.unary("relu", x, expected);
      expectSame(fast, expected, `relu [${size}]`);
      const y = randomArray("float32", size, generator);
      y.set(x.subarray(0, size >> 1)); // equal pairs for eq, le and ge
      const shape = [size];
      const views: [StridedView, StridedView][] = [
        [broadcastView(x, shape, shape), broadcastView(y, shape, shape)],
        [broadcastView(x, shape, shape), { data: Float32Array.of(0), offset: 0, strides: [0] }],
        [{ data: Float32Array.of(0.25), offset: 0, strides: [0] }, broadcastView(y, shape, shape)],
        // A stride of 2 is not a SIMD case: it falls back to the JavaScript loop.
        [{ data: x, offset: 1, strides: [2] }, broadcastView(y, shape, shape)],
      ];
      for (const op of comparisons) {
        for (const [a, b] of views) {
          const n = a.strides[0] === 2 ? size >> 1 : size;
          const fastOut = new Uint8Array(n);
          const expectedOut = new Uint8Array(n);
          wasmBackend.binary(op, a, b, fastOut, [n]);
          referenceBackend.binary(op, a, b, expectedOut, [n]);
          expectSame(fastOut, expectedOut, `${op} [${n}] strides ${a.strides} ${b.strides}`);
        }
      }
      // A [rows, cols] comparison against a scalar collapses to one dimension.
      const grid = new Uint8Array(size);
      const gridExpected = new Uint8Array(size);
      const rows = { data: x, offset: 0, strides: [1, 0] };
      const scalar = { data: Float32Array.of(0), offset: 0, strides: [0, 0] };
      const gridShape = [size, 1];
      wasmBackend.binary("gt", rows, scalar, grid, gridShape);
      referenceBackend.binary("gt", rows, scalar, gridExpected, gridShape);
      expectSame(grid, gridExpected, `gt [${size}, 1]`);
    }
  });

  test("float32 + − × ÷ and ReLU's gradient of large operands (the SIMD kernel): rows, broadcasts, bools, offsets", () => {
    const generator = new Generator(7);
    // Values whose results round, special values and float32 subnormals.
    const values = (size: number) => {
      const x = Float32Array.from({ length: size }, () => generator.normal() * 3);
      const specials = [...SPECIAL, 1e-40, -3e-39, 3.4e38];
      for (let i = 0; i < size; i += 61) x[i] = specials[(i / 61) % specials.length]!;
      return x;
    };
    const mask = (size: number) => Uint8Array.from({ length: size }, () => generator.integer(0, 2));
    for (const [rows, cols] of [
      [1, 1024],
      [128, 128],
      [33, 37],
      [257, 10],
    ] as const) {
      const shape = [rows, cols];
      const size = rows * cols;
      const x = values(size + 5);
      const y = values(size);
      const bias = values(cols);
      const column = values(rows);
      const cases: [string, StridedView, StridedView][] = [
        [
          "same shape",
          { data: y, offset: 0, strides: [cols, 1] },
          { data: x, offset: 0, strides: [cols, 1] },
        ],
        [
          "offset + bias row",
          { data: x, offset: 5, strides: [cols, 1] },
          { data: bias, offset: 0, strides: [0, 1] },
        ],
        [
          "column − matrix",
          { data: column, offset: 0, strides: [1, 0] },
          { data: y, offset: 0, strides: [cols, 1] },
        ],
        [
          "scalar",
          { data: y, offset: 0, strides: [cols, 1] },
          { data: Float32Array.of(0.1), offset: 0, strides: [0, 0] },
        ],
        [
          "bool mask",
          { data: y, offset: 0, strides: [cols, 1] },
          { data: mask(size), offset: 0, strides: [cols, 1] },
        ],
        // Strides other than 0 or 1 inside a row fall back to the JavaScript loop.
        [
          "transposed",
          { data: y, offset: 0, strides: [1, rows] },
          { data: x, offset: 0, strides: [cols, 1] },
        ],
      ];
      for (const op of ["add", "sub", "mul", "div", "reluGrad", "copysign"] as const) {
        for (const [label, a, b] of cases) {
          const fast = new Float32Array(size);
          const expected = new Float32Array(size);
          wasmBackend.binary(op, a, b, fast, shape);
          referenceBackend.binary(op, a, b, expected, shape);
          expectSame(fast, expected, `${op} ${label} [${rows}, ${cols}]`);
        }
      }
    }
  });

  test("floor, ceil, trunc and round of large float32 and float64 arrays (the SIMD kernels), tails of 0 to 3", () => {
    const generator = new Generator(9);
    // Ties (±0.5, 2.5, -3.5), -0 results, values past 2^23 and 2^52 (already integers),
    // subnormals and the specials.
    const edges = [0.5, -0.5, 2.5, -3.5, 1.5, -0.25, 8388607.5, 2 ** 52 + 2, 1e-40, -1e-310];
    for (const kind of ["float32", "float64"] as const) {
      for (const size of [1024, 1025, 1027, 2051]) {
        const x = kind === "float32" ? new Float32Array(size) : new Float64Array(size);
        for (let i = 0; i < size; i++) {
          x[i] = Math.round(generator.normal() * 40) / 4 + (generator.uniform() < 0.5 ? 0.1 : 0);
        }
        const specials = [...SPECIAL, ...edges];
        for (let i = 0; i < size; i += 13) x[i] = specials[(i / 13) % specials.length]!;
        for (const op of ["floor", "ceil", "trunc", "round"] as const) {
          const fast = blank(kind, size);
          const expected = blank(kind, size);
          wasmBackend.unary(op, x, fast);
          referenceBackend.unary(op, x, expected);
          expectSame(fast, expected, `${op} ${kind} [${size}]`);
        }
      }
    }
  });

  test("neg, abs, sqrt, exp, erf and gelu of large float32 arrays (the WebAssembly kernel) over every range of their algorithms, tails of 0 to 3", () => {
    const generator = new Generator(12);
    // exp: the overflow and underflow thresholds, |x| around ln2/2 and 1.5·ln2 (the reduction's
    // branches), 1 (returned as e), 2^-28 and subnormal results; erf: the breaks at 0.84375,
    // 1.25, 1/0.35 and 6, and tiny and subnormal arguments.
    const edges = [88.72, 88.73, -103.9, -87.5, 0.3465, -0.3466, 1.0397, -1.0398, 2 ** -28];
    edges.push(2 ** -29, 0.84375, -0.84374, 1.25, 1.2499, 2.857, 2.858, 5.999, -6, 1e-40, -1e-45);
    for (const size of [1024, 1025, 1027, 4099]) {
      const x = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        // Magnitudes from 1e-6 to 1e2 and both signs reach every branch many times over.
        x[i] = (generator.uniform() < 0.5 ? -1 : 1) * 10 ** (generator.uniform() * 8 - 6);
      }
      const specials = [...SPECIAL, ...edges];
      for (let i = 0; i < size; i += 7) x[i] = specials[(i / 7) % specials.length]!;
      for (const op of ["neg", "abs", "sqrt", "exp", "erf", "gelu"] as const) {
        const fast = new Float32Array(size);
        const expected = new Float32Array(size);
        wasmBackend.unary(op, x, fast);
        referenceBackend.unary(op, x, expected);
        expectSame(fast, expected, `${op} float32 [${size}]`);
      }
    }
  });

  test("GELU's gradient of large float32 arrays (the WebAssembly kernel) over erf's and exp's ranges, and the layouts it leaves to JavaScript", () => {
    const generator = new Generator(13);
    // x/√2 across erf's breaks (0.84375, 1.25, 1/0.35, 6), −x²/2 across exp's (2^-28, ln2/2,
    // 1.5·ln2, the underflow near −745), tiny and subnormal x, and the specials.
    const edges = [1.1932, -1.1933, 1.7677, -1.7678, 4.0406, 8.4852, -8.4853, 2 ** -14];
    edges.push(0.8326, -0.8327, 1.4891, 38.6, -38.7, 1e-40, -1e-45, 2 ** -28);
    for (const size of [1024, 1025, 1027, 4099]) {
      const x = new Float32Array(size);
      const g = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        x[i] = (generator.uniform() < 0.5 ? -1 : 1) * 10 ** (generator.uniform() * 6 - 4);
        g[i] = generator.normal();
      }
      const specials = [...SPECIAL, ...edges];
      for (let i = 0; i < size; i += 7) x[i] = specials[(i / 7) % specials.length]!;
      for (let i = 3; i < size; i += 11) g[i] = SPECIAL[(i / 11) % SPECIAL.length]!;
      const view = (data: Float32Array, strides: number[]) => ({ data, offset: 0, strides });
      const cases: [string, StridedView, StridedView, number[]][] = [
        ["contiguous", view(g, [1]), view(x, [1]), [size]],
        // A broadcast gradient and a transposed input go to the JavaScript loop.
        ["broadcast", view(g, [0]), view(x, [1]), [size]],
        ["reversed", view(g, [1]), { data: x, offset: size - 1, strides: [-1] }, [size]],
      ];
      for (const [label, a, b, shape] of cases) {
        const fast = new Float32Array(size);
        const expected = new Float32Array(size);
        wasmBackend.binary("geluGrad", a, b, fast, shape);
        referenceBackend.binary("geluGrad", a, b, expected, shape);
        expectSame(fast, expected, `geluGrad ${label} [${size}]`);
      }
    }
  });

  test("exp, erf, gelu and GELU's gradient over runs with every value in the vector forms' range, edges included", () => {
    // Chunks of 64 pairs with no NaN, infinity or out-of-range value run the loop without the
    // scalar fallback, so 1 + x below 2^-28 and e at 1 come from the vector forms themselves;
    // for GELU's gradient, −x²/2 falls below 2^-28 for |x| under 2^-13.5 while x/√2 is in range.
    const generator = new Generator(14);
    const edges = [1, -1, 2 ** -28, 2 ** -29, -(2 ** -30), 0.3465, -0.3466, 1.0397, -1.0398];
    edges.push(1e-5, -7e-5, 8.6e-5, -8.7e-5, 3e-8, 0.8326, -1.7678, 4.0406, 8.48);
    for (const size of [1024, 1027, 4099]) {
      const x = new Float32Array(size);
      const g = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        x[i] = generator.uniform() * 12 - 6;
        g[i] = generator.normal();
      }
      for (let i = 5; i < size; i += 13) x[i] = edges[Math.floor(i / 13) % edges.length]!;
      for (const op of ["exp", "erf", "gelu"] as const) {
        const fast = new Float32Array(size);
        const expected = new Float32Array(size);
        wasmBackend.unary(op, x, fast);
        referenceBackend.unary(op, x, expected);
        expectSame(fast, expected, `${op} in range [${size}]`);
      }
      const view = (data: Float32Array) => ({ data, offset: 0, strides: [1] });
      const fast = new Float32Array(size);
      const expected = new Float32Array(size);
      wasmBackend.binary("geluGrad", view(g), view(x), fast, [size]);
      referenceBackend.binary("geluGrad", view(g), view(x), expected, [size]);
      expectSame(fast, expected, `geluGrad in range [${size}]`);
    }
  });

  test("float32 sums over leading axes (the SIMD column sum), and reductions it leaves alone", () => {
    const generator = new Generator(8);
    const cases: [number[], number[]][] = [
      [[128, 128], [0]],
      [[1024, 1], [0]],
      [[257, 10], [0]],
      [
        [4, 8, 33],
        [0, 1],
      ],
      [[1, 300, 7], [1]],
      [[3, 128, 5], [1]],
      [[64, 16], [1]],
    ];
    for (const [shape, axes] of cases) {
      const size = shape.reduce((x, y) => x * y, 1);
      const x = Float32Array.from({ length: size }, () => generator.normal() * 10);
      x[3] = 1e-40;
      x[size - 1] = -0;
      const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d)).reduce((a, b) => a * b, 1);
      for (const op of ["sum", "max"] as const) {
        const fast = new Float32Array(kept);
        const expected = new Float32Array(kept);
        wasmBackend.reduce(op, x, shape, axes, fast);
        referenceBackend.reduce(op, x, shape, axes, expected);
        expectSame(fast, expected, `${op} ${JSON.stringify(shape)} over ${axes}`);
      }
    }
    // A column holding one NaN sums to NaN; one of -0s only sums to 0, as 0 + -0 does.
    const x = new Float32Array(2048).fill(-0);
    x[5] = Number.NaN;
    const fast = new Float32Array(64);
    const expected = new Float32Array(64);
    wasmBackend.reduce("sum", x, [32, 64], [0], fast);
    referenceBackend.reduce("sum", x, [32, 64], [0], expected);
    expectSame(fast, expected, "sum of -0 and NaN columns");
  });

  test("copies between views: contiguous, broadcast, permuted and offset, with dtype conversions", () => {
    const generator = new Generator(6);
    const kinds: [Kind, Kind][] = [
      ["float32", "float32"],
      ["float64", "float32"],
      ["float32", "float64"],
      ["int32", "float32"],
      ["float32", "int32"],
      ["float64", "bool"],
    ];
    for (let trial = 0; trial < 120; trial++) {
      const rank = generator.integer(0, 4);
      const shape = Array.from({ length: rank }, () => generator.integer(0, 6));
      const size = shape.reduce((x, y) => x * y, 1);
      const [from, to] = kinds[trial % kinds.length]!;
      const data = randomArray(from, size + 5, generator);
      // The source: contiguous, broadcast along some axes, or with its axes reversed.
      const own = shape.map((d) => (generator.uniform() < 0.3 ? 1 : d));
      const reversed = stridesOf([...shape].reverse()).reverse();
      const choice = trial % 3;
      const src: StridedView =
        choice === 0
          ? { data, offset: 3, strides: stridesOf(shape) }
          : choice === 1
            ? broadcastView(data, own, shape)
            : { data, offset: 0, strides: reversed };
      // The destination: contiguous at an offset inside a larger array.
      const fast = blank(to, size + 4);
      const expected = blank(to, size + 4);
      const dst = (out: TypedArray): StridedView => ({
        data: out,
        offset: 2,
        strides: stridesOf(shape),
      });
      wasmBackend.copy(src, dst(fast), shape);
      referenceBackend.copy(src, dst(expected), shape);
      expectSame(fast, expected, `copy ${from}→${to} ${JSON.stringify([shape, src.strides])}`);
    }
  });

  test("row reductions (four rows side by side, then the rest one by one) with NaN, ±0 and ±∞ in every row", () => {
    const generator = new Generator(13);
    const specials = [Number.NaN, 0, -0, Infinity, -Infinity];
    for (const rows of [4, 5, 7, 8, 11]) {
      for (const n of [1, 2, 9]) {
        for (const kind of ["float32", "float64", "int32"] as const) {
          const x = randomArray(kind, rows * n, generator);
          if (kind !== "int32") {
            for (let i = 0; i < rows * n; i++) {
              if (generator.uniform() < 0.2) x[i] = specials[Math.floor(generator.uniform() * 5)]!;
            }
          }
          for (const op of reduceOps) {
            const fast = blank(kind, rows);
            const expected = blank(kind, rows);
            wasmBackend.reduce(op, x, [rows, n], [1], fast);
            referenceBackend.reduce(op, x, [rows, n], [1], expected);
            expectSame(fast, expected, `${op} ${kind} [${rows}, ${n}] over axis 1`);
          }
        }
      }
    }
  });

  test("reductions over every subset of axes, empty axes and NaN included", () => {
    const generator = new Generator(4);
    const shapes = [[], [0], [5], [3, 4], [2, 1, 3], [2, 3, 4, 2], [3, 0, 2], [1, 1]];
    for (const shape of shapes) {
      const rank = shape.length;
      for (let mask = 0; mask < 1 << rank; mask++) {
        const axes = [...shape.keys()].filter((d) => mask & (1 << d));
        const outSize = shape.filter((_, d) => !axes.includes(d)).reduce((x, y) => x * y, 1);
        for (const op of reduceOps) {
          for (const kind of ["float32", "float64", "int32"] as const) {
            const x = randomArray(
              kind,
              shape.reduce((p, q) => p * q, 1),
              generator,
            );
            const outKind = kind === "int32" ? "int32" : kind;
            const fast = blank(outKind, outSize);
            const expected = blank(outKind, outSize);
            wasmBackend.reduce(op, x, shape, axes, fast);
            referenceBackend.reduce(op, x, shape, axes, expected);
            expectSame(fast, expected, `${op} ${kind} ${JSON.stringify(shape)} axes ${axes}`);
          }
        }
      }
    }
  });
});

describe("the float64-lane kernels split over threads", () => {
  afterEach(() => {
    threadTesting.cores = undefined;
    threadTesting.busy = undefined;
    setNumThreads(2);
  });

  test("exp, erf, gelu and GELU's gradient give the reference's bits on 1 and 3 threads", () => {
    threadTesting.cores = 4;
    threadTesting.busy = false;
    const generator = new Generator(21);
    const size = 100_003;
    const x = Float32Array.from({ length: size }, () => 3 * generator.normal());
    const g = Float32Array.from({ length: size }, () => generator.normal());
    for (let i = 0; i < size; i += 101) x[i] = SPECIAL[(i / 101) % SPECIAL.length]!;
    const view = (data: Float32Array) => ({ data, offset: 0, strides: [1] });
    const expected = (op: "exp" | "erf" | "gelu" | "geluGrad") => {
      const out = new Float32Array(size);
      if (op === "geluGrad") referenceBackend.binary(op, view(g), view(x), out, [size]);
      else referenceBackend.unary(op, x, out);
      return out;
    };
    const fast = (op: "exp" | "erf" | "gelu" | "geluGrad") => {
      const out = new Float32Array(size);
      if (op === "geluGrad") wasmBackend.binary(op, view(g), view(x), out, [size]);
      else wasmBackend.unary(op, x, out);
      return out;
    };
    for (const op of ["exp", "erf", "gelu", "geluGrad"] as const) {
      const reference = expected(op);
      setNumThreads(1);
      expectSame(fast(op), reference, `${op} on one thread`);
      setNumThreads(3);
      untilWorkersRun(
        () => expectSame(fast(op), reference, `${op} on three threads`),
        `${op}: slices run by workers`,
      );
    }
  });
});
