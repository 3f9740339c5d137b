import {
  Generator,
  getNumThreads,
  type MatmulArgs,
  referenceBackend,
  setNumThreads,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { productBounds } from "../../src/backend/wasm/matmul.js";
import { createRuntime, getRuntime } from "../../src/backend/wasm/runtime.js";
import { absolute, expectWithin, randomF32 } from "./kernel-check.js";

/** Machine epsilon of each float dtype the kernels compute in. */
const EPS = { float32: 2 ** -23, float64: 2 ** -52 } as const;
type Float = keyof typeof EPS;

/** x as `dtype`: float64 values get low bits that float32 cannot hold. */
function widen(x: Float32Array, dtype: Float): Float32Array | Float64Array {
  return dtype === "float32" ? x : Float64Array.from(x, (v, i) => v + 1e-9 * (i % 7));
}

interface Case {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Matrices stored in a; product p reads matrix aIndex[p]. Repeats model broadcasting. */
  readonly aIndex: readonly number[];
  readonly bIndex: readonly number[];
}

/** Runs one case on both backends and checks the fast result against the float64 reference. */
function check(c: Case, seed: number, dtype: Float = "float32"): Float32Array | Float64Array {
  const generator = new Generator(seed);
  const aCount = Math.max(0, ...c.aIndex) + 1;
  const bCount = Math.max(0, ...c.bIndex) + 1;
  const as = randomF32(aCount * c.m * c.k, generator);
  const bs = randomF32(bCount * c.k * c.n, generator);
  const a = widen(as, dtype);
  const b = widen(bs, dtype);
  const args: MatmulArgs = {
    aOffsets: c.aIndex.map((i) => i * c.m * c.k),
    bOffsets: c.bIndex.map((i) => i * c.k * c.n),
    m: c.m,
    k: c.k,
    n: c.n,
    transA: c.transA,
    transB: c.transB,
  };
  const size = c.aIndex.length * c.m * c.n;
  const fast = (dtype === "float32" ? new Float32Array(size) : new Float64Array(size)).fill(
    Number.NaN,
  );
  const expected = new Float64Array(size);
  const scale = new Float64Array(size);
  wasmBackend.matmul(a, b, fast, args);
  referenceBackend.matmul(a, b, expected, args);
  // Each dot product of length k is off by at most about k·eps·Σ|a||b|.
  referenceBackend.matmul(absolute(a), absolute(b), scale, args);
  const label = `${dtype} ${JSON.stringify(c)}`;
  expectWithin(fast, expected, (i) => (c.k + 2) * EPS[dtype] * scale[i]!, label);
  return fast;
}

const flags = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

afterEach(() => setNumThreads(2));

describe("wasm matmul (float32 and float64) against the reference", () => {
  test("sizes 0, 1, odd sizes and every remainder of the 4×8 (4×4) tile, all transposes", () => {
    const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 17];
    let seed = 0;
    for (const dtype of ["float32", "float64"] as const) {
      for (const [transA, transB] of flags) {
        for (const m of sizes) {
          for (const n of sizes) {
            const k = sizes[(m * 7 + n * 3 + seed) % sizes.length]!;
            check({ m, k, n, transA, transB, aIndex: [0], bIndex: [0] }, seed++, dtype);
          }
        }
      }
    }
  });

  test("random shapes across the cache blocks (k past 256, n past one panel)", () => {
    const generator = new Generator(7);
    for (let trial = 0; trial < 24; trial++) {
      const m = 1 + generator.integer(0, 150);
      const k = 1 + generator.integer(0, 600);
      const n = 1 + generator.integer(0, 150);
      const [transA, transB] = flags[trial % 4]!;
      const dtype = trial % 3 === 0 ? "float64" : "float32";
      check({ m, k, n, transA, transB, aIndex: [0], bIndex: [0] }, 100 + trial, dtype);
    }
  });

  test("batches with broadcast operands (repeated offsets) and large products", () => {
    for (const [transA, transB] of flags) {
      check({ m: 5, k: 9, n: 6, transA, transB, aIndex: [0, 1, 2, 3], bIndex: [0, 0, 0, 0] }, 1);
      check({ m: 3, k: 4, n: 11, transA, transB, aIndex: [0, 0, 0], bIndex: [2, 1, 0] }, 2);
      check({ m: 70, k: 300, n: 90, transA, transB, aIndex: [1, 0], bIndex: [0, 1] }, 3);
      check(
        { m: 5, k: 9, n: 6, transA, transB, aIndex: [0, 1, 2], bIndex: [0, 0, 0] },
        5,
        "float64",
      );
    }
    // A matmul with no products writes nothing.
    check({ m: 4, k: 4, n: 4, transA: false, transB: false, aIndex: [], bIndex: [] }, 4);
  });

  test("a k of 0 gives zeros even where the output held other values", () => {
    const out = new Float32Array(6).fill(5);
    const args = { aOffsets: [0], bOffsets: [0], m: 2, k: 0, n: 3, transA: false, transB: false };
    wasmBackend.matmul(new Float32Array(0), new Float32Array(0), out, args);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test("mixed and integer operands go to the reference backend", () => {
    const args = { aOffsets: [0], bOffsets: [0], m: 2, k: 2, n: 2, transA: false, transB: false };
    // [[1, 2], [3, 4]]·[[0.5, -1], [2, 0.25]]
    const expected = [1 * 0.5 + 2 * 2, -1 + 0.5, 3 * 0.5 + 4 * 2, -3 + 1];
    const mixed = new Float64Array(4);
    wasmBackend.matmul(Float32Array.of(1, 2, 3, 4), Float64Array.of(0.5, -1, 2, 0.25), mixed, args);
    expect(Array.from(mixed)).toEqual(expected);
    const ints = new Int32Array(4);
    wasmBackend.matmul(Int32Array.of(1, 2, 3, 4), Int32Array.of(5, -1, 2, 3), ints, args);
    expect(Array.from(ints)).toEqual([1 * 5 + 2 * 2, -1 + 6, 3 * 5 + 4 * 2, -3 + 12]);
  });
});

describe("kernel builds", () => {
  test("the relaxed-SIMD build runs exactly where the engine accepts it, the plain one elsewhere", () => {
    const engineAcceptsRelaxed = createRuntime(false, true) !== null;
    expect(getRuntime()!.relaxed).toBe(engineAcceptsRelaxed);
    expect(createRuntime(false, false)!.relaxed).toBe(false);
    // The "wasm-relaxed" test project turns relaxed SIMD on, so these tests cover that build.
    if (process.env.TENSORTAPE_KERNELS === "relaxed") expect(getRuntime()!.relaxed).toBe(true);
  });
});

/** The first index where the arrays' bits differ (or their lengths do), else -1. */
function firstDifference(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  if (a.length !== b.length || a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return 0;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

describe("threads", () => {
  test("1, 2 and 3 threads give bit-identical results, split by rows, columns or products", () => {
    const cases: Case[] = [
      { m: 301, k: 517, n: 67, transA: false, transB: true, aIndex: [0], bIndex: [0] },
      { m: 45, k: 390, n: 333, transA: true, transB: false, aIndex: [0], bIndex: [0] },
      { m: 64, k: 128, n: 64, transA: false, transB: false, aIndex: [0, 1, 2], bIndex: [0, 0, 1] },
    ];
    for (const dtype of ["float32", "float64"] as const) {
      for (const c of cases) {
        setNumThreads(1);
        expect(getNumThreads()).toBe(1);
        const one = check(c, 11, dtype);
        setNumThreads(2);
        const two = check(c, 11, dtype);
        setNumThreads(3);
        const three = check(c, 11, dtype);
        // Compared bit for bit by a loop: toEqual walks typed arrays element by element
        // through its generic equality, which took this test past 10 s.
        expect(firstDifference(two, one)).toBe(-1);
        expect(firstDifference(three, one)).toBe(-1);
      }
    }
  });

  test("a split by whole products covers them in parts that shrink towards the end, none empty", () => {
    for (const [count, parts, threads] of [
      [64, 12, 2],
      [64, 4, 2],
      [12, 12, 2],
      [5, 3, 2],
      [64, 24, 2],
      [4096, 12, 2],
      [100, 7, 3],
      [3, 3, 8],
    ] as const) {
      const bounds = productBounds(count, parts, threads);
      const sizes = bounds.slice(1).map((end, t) => end - bounds[t]!);
      const label = `${count} products in ${parts} parts`;
      expect(bounds[0], label).toBe(0);
      expect(bounds[parts], label).toBe(count);
      expect(Math.min(...sizes), label).toBeGreaterThanOrEqual(1);
      for (let t = 1; t < parts; t++) expect(sizes[t]!, label).toBeLessThanOrEqual(sizes[t - 1]!);
    }
    // Many products in few parts: the last are one product each rather than 64 / 12.
    expect(productBounds(64, 12, 2).slice(-3)).toEqual([62, 63, 64]);
    // As many parts as products: one each.
    expect(productBounds(12, 12, 2)).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  test("setNumThreads rejects a count that is not a positive integer", () => {
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: expects a positive integer; got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/got 1.5/);
  });
});

/** products + bias along `args.biasAxis`, as the elementwise add kernel adds a row. */
function addBias(
  backend: typeof wasmBackend,
  products: Float32Array | Float64Array,
  bias: Float32Array | Float64Array,
  args: MatmulArgs,
): Float32Array | Float64Array {
  const { m, n } = args;
  const batch = args.aOffsets.length;
  const out = new (products.constructor as Float32ArrayConstructor)(batch * m * n);
  const strides = args.biasAxis === "rows" ? [0, 1, 0] : [0, 0, 1];
  backend.binary(
    "add",
    { data: products, offset: 0, strides: [m * n, n, 1] },
    { data: bias, offset: 0, strides },
    out,
    [batch, m, n],
  );
  return out;
}

describe("a bias added with the products", () => {
  /** The product without bias, then bias added as the elementwise add kernel adds a row. */
  function separately(
    backend: typeof wasmBackend,
    a: Float32Array | Float64Array,
    b: Float32Array | Float64Array,
    bias: Float32Array | Float64Array,
    args: MatmulArgs,
  ) {
    const { m, n } = args;
    const product = new (a.constructor as Float32ArrayConstructor)(args.aOffsets.length * m * n);
    backend.matmul(a, b, product, args);
    return addBias(backend, product, bias, args);
  }

  test("per row or per column, batched, padded sizes, float32 and float64, 1 and 2 threads: the bits of a product and then an add", () => {
    const generator = new Generator(21);
    const shapes = [
      [3, 5, 7, 1],
      [64, 288, 576, 3],
      [130, 77, 45, 2],
      [512, 128, 384, 1],
    ] as const;
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const dtype of ["float32", "float64"] as const) {
        for (const [m, k, n, batch] of shapes) {
          for (const biasAxis of ["rows", "cols"] as const) {
            const a = widen(randomF32(batch * m * k, generator), dtype);
            const b = widen(randomF32(k * n, generator), dtype);
            const bias = widen(randomF32(biasAxis === "rows" ? m : n, generator), dtype);
            const args: MatmulArgs = {
              aOffsets: Array.from({ length: batch }, (_, p) => p * m * k),
              bOffsets: Array.from({ length: batch }, () => 0),
              m,
              k,
              n,
              transA: false,
              transB: m % 2 === 0,
              biasAxis,
            };
            for (const backend of [wasmBackend, referenceBackend]) {
              const fused = new (a.constructor as Float32ArrayConstructor)(batch * m * n);
              backend.matmul(a, b, fused, args, bias);
              const label = `${backend.name} ${dtype} ${m}×${k}×${n}×${batch} ${biasAxis}, ${threads} threads`;
              expect(firstDifference(fused, separately(backend, a, b, bias, args)), label).toBe(-1);
            }
          }
        }
      }
    }
  });

  test("a bias of the wrong length or without its axis is refused", () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const out = new Float32Array(4);
    const args: MatmulArgs = {
      aOffsets: [0],
      bOffsets: [0],
      m: 2,
      k: 3,
      n: 2,
      transA: false,
      transB: false,
    };
    for (const backend of [wasmBackend, referenceBackend]) {
      expect(() =>
        backend.matmul(a, b, out, { ...args, biasAxis: "cols" }, new Float32Array(1)),
      ).toThrow(/matmul: the bias holds 1 values, fewer than the 2 needed/);
      expect(() => backend.matmul(a, b, out, args, new Float32Array(2))).toThrow(
        /a bias needs biasAxis/,
      );
    }
  });
});

describe("a scale applied to the products", () => {
  /** The product, times scale as the elementwise multiply kernel multiplies, then the bias. */
  function separately(
    backend: typeof wasmBackend,
    a: Float32Array | Float64Array,
    b: Float32Array | Float64Array,
    args: MatmulArgs,
    bias?: Float32Array | Float64Array,
  ) {
    const { m, n, scale, ...plain } = args;
    const batch = args.aOffsets.length;
    const like = a.constructor as Float32ArrayConstructor;
    const product = new like(batch * m * n);
    backend.matmul(a, b, product, { ...plain, m, n });
    const scaled = new like(batch * m * n);
    const view = { data: product, offset: 0, strides: [m * n, n, 1] };
    const scalar = { data: like.of(scale!), offset: 0, strides: [0, 0, 0] };
    backend.binary("mul", view, scalar, scaled, [batch, m, n]);
    return bias ? addBias(backend, scaled, bias, args) : scaled;
  }

  test("batched, padded sizes, transposed, float32 and float64, with and without a bias, 1 and 2 threads: the bits of a product and then a multiply", () => {
    const generator = new Generator(23);
    const shapes = [
      [3, 5, 7, 1],
      [64, 32, 64, 12],
      [130, 77, 45, 2],
      [512, 128, 384, 1],
    ] as const;
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const dtype of ["float32", "float64"] as const) {
        for (const [m, k, n, batch] of shapes) {
          for (const withBias of [false, true]) {
            const a = widen(randomF32(batch * m * k, generator), dtype);
            const b = widen(randomF32(batch * k * n, generator), dtype);
            const bias = withBias ? widen(randomF32(n, generator), dtype) : undefined;
            const args: MatmulArgs = {
              aOffsets: Array.from({ length: batch }, (_, p) => p * m * k),
              bOffsets: Array.from({ length: batch }, (_, p) => p * k * n),
              m,
              k,
              n,
              transA: k % 2 === 0,
              transB: m % 2 === 0,
              // 1/√k is not a power of two: the multiply rounds.
              scale: 1 / Math.sqrt(k),
              ...(bias ? { biasAxis: "cols" as const } : {}),
            };
            for (const backend of [wasmBackend, referenceBackend]) {
              const fused = new (a.constructor as Float32ArrayConstructor)(batch * m * n);
              backend.matmul(a, b, fused, args, bias);
              const label = `${backend.name} ${dtype} ${m}×${k}×${n}×${batch} bias ${withBias}, ${threads} threads`;
              const expected = separately(backend, a, b, args, bias);
              expect(firstDifference(fused, expected), label).toBe(-1);
            }
          }
        }
      }
    }
  });

  test("a scale that is not a number, or with products that are folded, is refused", () => {
    const args: MatmulArgs = {
      aOffsets: [0],
      bOffsets: [0],
      m: 2,
      k: 3,
      n: 2,
      transA: false,
      transB: false,
    };
    const window = {
      planes: 1,
      inShape: [3],
      outShape: [2],
      kernel: [2],
      stride: [1],
      dilation: [1],
      padding: [0],
    };
    for (const backend of [wasmBackend, referenceBackend]) {
      const [a, b, out] = [new Float32Array(6), new Float32Array(6), new Float32Array(4)];
      expect(() => backend.matmul(a, b, out, { ...args, scale: "2" as unknown as number })).toThrow(
        /matmul: scale must be a number; got 2/,
      );
      expect(() =>
        backend.matmul(a, new Float32Array(4), new Float32Array(3), {
          ...args,
          m: 2,
          k: 2,
          n: 2,
          scale: 2,
          outWindow: window,
        }),
      ).toThrow(/matmul: products that are folded \(outWindow\) cannot be scaled/);
    }
  });
});
