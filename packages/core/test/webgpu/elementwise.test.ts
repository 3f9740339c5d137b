import {
  type BinaryKernel,
  Generator,
  referenceBackend,
  type TypedArray,
  type UnaryKernel,
} from "@tensortape/core";
import { describe, test } from "vitest";
import {
  expectClose,
  expectSame,
  randomBools,
  randomFloats,
  randomInts,
  sizeOf,
  stridesOf,
  uploadAt,
  views,
} from "./compare.js";
import { gpuKernels, withErrors } from "./device.js";

// Each elementwise kernel against the reference backend: float32 within a few units in the
// last place (the reference computes in float64 and rounds once), everything whose result is
// exact on the CPU (integers, comparisons, copies, rounding, sign bits) bit for bit.

const UNARY: UnaryKernel[] = [
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
const EXACT_UNARY = new Set<UnaryKernel>([
  "neg",
  "abs",
  "relu",
  "sign",
  "step",
  "floor",
  "ceil",
  "round",
  "trunc",
]);

const BINARY: BinaryKernel[] = [
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
const INEXACT_BINARY = new Set<BinaryKernel>(["div", "pow", "atan2", "hypot", "logaddexp"]);
const COMPARISONS = new Set<BinaryKernel>([
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "logicalAnd",
  "logicalOr",
  "logicalXor",
]);

describe("unary", () => {
  for (const op of UNARY) {
    test(`${op} float32 on three ranges and the special values`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(UNARY.indexOf(op));
        for (const [lo, hi] of [
          [-1, 1],
          [-6, 6],
          [-90, 90],
        ] as const) {
          const x = randomFloats(1500, generator, lo, hi);
          const out = k.allocate("float32", x.length);
          k.unary(op, uploadAt(k, x), out);
          const expected = new Float32Array(x.length);
          referenceBackend.unary(op, x, expected);
          const got = await k.read(out);
          const label = `${op} on [${lo}, ${hi})`;
          if (EXACT_UNARY.has(op)) expectSame(got, expected, label);
          // Below x ≈ −8.3 the reference's 1 + erf(x/√2) (PyTorch's formula) rounds to 0 in
          // float64, where the GPU's erfc keeps Φ's tail: values under 1e-15 apart.
          else if (op === "gelu") expectClose(got, expected, label, { rtol: 4e-6, atol: 1e-15 });
          else expectClose(got, expected, label, { rtol: 4e-6, atol: 1e-30 });
        }
      });
    });
  }

  test("integer kernels stay exact in int32, the rest store with Int32Array's rules", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const x = randomInts(500, new Generator(3));
      for (const op of [...EXACT_UNARY, "exp", "sqrt"] as UnaryKernel[]) {
        const out = k.allocate("int32", x.length);
        k.unary(op, uploadAt(k, x), out);
        const expected = new Int32Array(x.length);
        referenceBackend.unary(op, x, expected);
        const got = await k.read(out);
        // exp and sqrt go through float32 on the GPU and float64 on the CPU: compare the
        // values that float32 holds exactly.
        if (op === "exp" || op === "sqrt") {
          const small = Array.from(x.keys()).filter((i) => Math.abs(x[i]!) <= 8);
          expectClose(
            small.map((i) => got[i]!),
            small.map((i) => expected[i]!),
            op,
            { atol: 1 },
          );
        } else expectSame(got, expected, `${op} int32`);
      }
    });
  });

  test("empty arrays dispatch nothing", async () => {
    const k = await gpuKernels();
    const out = k.allocate("float32", 0);
    k.unary("exp", k.allocate("float32", 0), out);
    expectSame(await k.read(out), [], "empty");
  });
});

type Case = {
  shape: number[];
  a: [number, number[]];
  b: [number, number[]];
  sizes: [number, number];
};

/** Broadcast, transposed and offset views over `shape`, with the backing sizes they need. */
function layouts(): Case[] {
  return [
    { shape: [37], a: [0, [1]], b: [0, [1]], sizes: [37, 37] },
    { shape: [], a: [2, []], b: [0, []], sizes: [3, 1] },
    { shape: [5, 7], a: [0, [7, 1]], b: [0, [0, 1]], sizes: [35, 7] },
    { shape: [5, 7], a: [0, [1, 5]], b: [3, [1, 0]], sizes: [35, 8] },
    { shape: [2, 3, 4, 5], a: [1, [60, 20, 5, 1]], b: [0, [0, 5, 0, 1]], sizes: [121, 15] },
    { shape: [3, 1, 4], a: [11, [-4, 4, -1]], b: [0, [4, 0, 1]], sizes: [12, 12] },
    { shape: [4, 0, 3], a: [0, [0, 3, 1]], b: [0, [0, 0, 1]], sizes: [1, 3] },
    {
      shape: [2, 2, 2, 2, 2, 2, 2, 3],
      a: [0, stridesOf([2, 2, 2, 2, 2, 2, 2, 3]).map((s) => s * 2)],
      b: [0, [0, 1, 0, 1, 0, 1, 0, 0]],
      sizes: [768, 4],
    },
  ];
}

function forDtype(
  dtype: "float32" | "int32" | "bool",
  size: number,
  generator: Generator,
  extremes = true,
): TypedArray {
  if (dtype === "float32") return randomFloats(size, generator, -5, 5, 0.3);
  if (dtype === "int32") {
    const ints = randomInts(size, generator, -9, 9);
    return extremes ? ints : ints.map((v) => (Math.abs(v) > 9 ? 7 : v));
  }
  return randomBools(size, generator);
}

describe("binary over strided views", () => {
  for (const op of BINARY) {
    test(`${op} float32 and int32`, async () => {
      await withErrors(async () => {
        const k = await gpuKernels();
        const generator = new Generator(100 + BINARY.indexOf(op));
        for (const dtype of ["float32", "int32"] as const) {
          if (
            dtype === "int32" &&
            ["atan2", "hypot", "logaddexp", "pow", "div", "geluGrad"].includes(op)
          )
            continue;
          for (const c of layouts()) {
            // An int32 product past 2^53 wraps on the GPU (as in PyTorch) where the reference
            // rounds it in float64 first: the extremes are left out of mul.
            const extremes = op !== "mul";
            const a = views(k, forDtype(dtype, c.sizes[0], generator, extremes), ...c.a);
            const b = views(k, forDtype(dtype, c.sizes[1], generator, extremes), ...c.b);
            const outDtype = COMPARISONS.has(op) ? "bool" : dtype;
            const n = sizeOf(c.shape);
            const expected =
              outDtype === "bool"
                ? new Uint8Array(n)
                : dtype === "float32"
                  ? new Float32Array(n)
                  : new Int32Array(n);
            referenceBackend.binary(op, a.cpu, b.cpu, expected, c.shape);
            const out = k.allocate(outDtype, n);
            k.binary(op, a.gpu, b.gpu, out, c.shape);
            const got = await k.read(out);
            const label = `${op} ${dtype} [${c.shape.join(", ")}]`;
            if (op === "geluGrad") {
              // Φ(x) + x·φ(x) cancels near its root at x ≈ −0.75: an absolute bound there.
              expectClose(got, expected, label, { rtol: 8e-6, atol: 4e-6 });
            } else if (dtype === "float32" && INEXACT_BINARY.has(op)) {
              expectClose(got, expected, label, { rtol: 8e-6, atol: 1e-30 });
            } else expectSame(got, expected, label);
          }
        }
      });
    });
  }

  test("int32 pow and division wrap and truncate as Int32Array stores", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const a = Int32Array.from([2, -3, 7, 0, 5, -7, 1, -1, 3, 0]);
      const b = Int32Array.from([10, 3, -1, -2, 0, 2, -5, -3, 19, 0]);
      for (const op of ["pow", "div", "floorDivide", "remainder", "fmod"] as BinaryKernel[]) {
        const expected = new Int32Array(a.length);
        const view = (data: Int32Array) => ({ data, offset: 0, strides: [1] });
        referenceBackend.binary(op, view(a), view(b), expected, [a.length]);
        const out = k.allocate("int32", a.length);
        k.binary(
          op,
          { data: uploadAt(k, a), offset: 0, strides: [1] },
          { data: uploadAt(k, b), offset: 0, strides: [1] },
          out,
          [a.length],
        );
        expectSame(await k.read(out), expected, op);
      }
    });
  });
});

describe("where and copy", () => {
  test("where over broadcast views, for each dtype", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(7);
      for (const dtype of ["float32", "int32", "bool"] as const) {
        for (const c of layouts()) {
          const cond = views(k, forDtype("bool", c.sizes[1], generator), ...c.b);
          const a = views(k, forDtype(dtype, c.sizes[0], generator), ...c.a);
          const b = views(k, forDtype(dtype, c.sizes[1], generator), ...c.b);
          const n = sizeOf(c.shape);
          const expected = forDtype(dtype, n, generator).fill(0);
          referenceBackend.where(cond.cpu, a.cpu, b.cpu, expected, c.shape);
          const out = k.allocate(dtype, n);
          k.where(cond.gpu, a.gpu, b.gpu, out, c.shape);
          expectSame(await k.read(out), expected, `where ${dtype} [${c.shape.join(", ")}]`);
        }
      }
    });
  });

  test("copy between strided views casts with typed-array rules", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(8);
      const dtypes = ["float32", "int32", "bool"] as const;
      for (const from of dtypes) {
        for (const to of dtypes) {
          for (const c of layouts()) {
            // src through a's view, dst through a transposed (or reversed) contiguous layout.
            const src = views(k, forDtype(from, c.sizes[0], generator), ...c.a);
            if (from === "float32") {
              const d = src.cpu.data as Float32Array;
              for (let i = 0; i < d.length; i += 5) d[i] = [3e9, -3e9, 2.7, -2.7, 1e20][i % 5]!;
              src.gpu = { ...src.gpu, data: uploadAt(k, d) };
            }
            const n = sizeOf(c.shape);
            const rank = c.shape.length;
            const dstStrides = stridesOf(c.shape.slice().reverse()).reverse();
            const dstCpu = forDtype(to, n + 2, generator);
            const dst = views(k, dstCpu.slice(), 2, dstStrides.length === rank ? dstStrides : []);
            const expected = dstCpu.slice();
            referenceBackend.copy(src.cpu, { ...dst.cpu, data: expected }, c.shape);
            k.copy(src.gpu, dst.gpu, c.shape);
            expectSame(
              await k.read(dst.gpu.data),
              expected,
              `copy ${from} → ${to} [${c.shape.join(", ")}]`,
            );
          }
        }
      }
    });
  });

  test("more than 65535 workgroups: the grid wraps into a second dimension", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const n = 65536 * 64 + 77;
      const x = Float32Array.from({ length: n }, (_, i) => i % 1000);
      const out = k.allocate("float32", n);
      k.unary("neg", uploadAt(k, x), out);
      const got = await k.read(out);
      const expected = new Float32Array(n);
      referenceBackend.unary("neg", x, expected);
      expectSame(got, expected, "neg of 4M elements");
    });
  });
});

describe("trigonometry of large arguments", () => {
  test("sin, cos and tan reduce every float32 exactly, up to 3.4e38 and near multiples of π/2", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(99);
      const values: number[] = [];
      // Magnitudes from 1 to 2^127, both signs, and the float32s nearest k·π/2 for large k,
      // where the reduced argument is tiny and only an exact reduction keeps it accurate.
      for (let i = 0; i < 2000; i++) {
        const magnitude = 2 ** (generator.uniform() * 127);
        values.push(generator.uniform() < 0.5 ? -magnitude : magnitude);
      }
      for (const multiple of [1e3, 1e5, 12345678, 2 ** 40, 2 ** 90]) {
        values.push(Math.fround(multiple * (Math.PI / 2)));
      }
      values.push(2147483647, 3.4e38, -3.4e38, 65536, 1e4);
      const x = Float32Array.from(values);
      for (const op of ["sin", "cos", "tan"] as const) {
        const out = k.allocate("float32", x.length);
        k.unary(op, uploadAt(k, x), out);
        const got = await k.read(out);
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          const exact = op === "sin" ? Math.sin(v) : op === "cos" ? Math.cos(v) : Math.tan(v);
          // A few float32 roundings of the result; tan's grows with its slope 1 + tan².
          const bound =
            op === "tan"
              ? 6e-7 * (1 + exact * exact)
              : 6e-7 * Math.max(Math.abs(exact), 1e-7) + 1e-12;
          if (!(Math.abs(got[i]! - exact) <= bound)) {
            throw new Error(`${op}(${v}) is ${got[i]}, expected ${exact} (allowed ±${bound})`);
          }
        }
      }
    });
  });
});
