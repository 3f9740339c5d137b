/**
 * The fast softmax against the reference: float32 rows in WebAssembly SIMD (a polynomial
 * exp, float64 sums) within a few float32 ulps, float64 rows bit for bit, special values
 * (NaN, ±∞, rows of −∞, logits of ±1000) exactly where the reference's result is not finite,
 * and the same bits however many threads a large input is split over.
 */
import { Generator, referenceBackend, setNumThreads, wasmBackend } from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { expectWithin, untilWorkersRun } from "./kernel-check.js";

afterEach(() => {
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

/** Random logits in [−scale, scale), with a share of special values when `special`. */
function logits(size: number, generator: Generator, scale: number, special: boolean) {
  return Float32Array.from({ length: size }, () => {
    if (special && generator.uniform() < 0.1) {
      return [Number.NaN, Infinity, -Infinity, -Infinity, 0][generator.integer(0, 5)]!;
    }
    return (2 * generator.uniform() - 1) * scale;
  });
}

/**
 * The float32 softmax's error bound: the exp polynomial's few ulps relative to each value,
 * plus float32's smallest normal number, under which the kernel writes 0. Log-softmax's
 * error is that of log Σ (relative error of Σ, absolute in the log) plus the final rounding.
 */
const softmaxBound = (e: number) => 6e-7 * Math.abs(e) + 1.2e-38;
const logSoftmaxBound = (e: number) => 1.2e-7 * Math.abs(e) + 4e-7;

function check(x: Float32Array, rows: number, cols: number, log: boolean, label: string) {
  const fast = new Float32Array(rows * cols).fill(7);
  const expected = new Float32Array(rows * cols).fill(7);
  wasmBackend.softmax(x, rows, cols, fast, log);
  referenceBackend.softmax(x, rows, cols, expected, log);
  // Non-finite results (NaN rows, −∞ entries of log-softmax) must be exactly the reference's.
  const off = expected.findIndex((e, i) => !Number.isFinite(e) && !Object.is(fast[i], e));
  expect(off, `${label}: element ${off} is ${fast[off]}, expected ${expected[off]}`).toBe(-1);
  const bound = log ? logSoftmaxBound : softmaxBound;
  expectWithin(fast, expected, (i) => bound(expected[i]!), label);
  return fast;
}

describe("float32 softmax in WebAssembly", () => {
  test("rows of 1 to 37 columns (SIMD bodies and tails), both kinds, special values", () => {
    const generator = new Generator(11);
    for (let cols = 1; cols <= 37; cols++) {
      for (const log of [false, true]) {
        for (const [scale, special] of [
          [3, false],
          [30, false],
          [1000, false],
          [5, true],
        ] as const) {
          const rows = generator.integer(1, 6);
          const x = logits(rows * cols, generator, scale, special);
          check(x, rows, cols, log, `cols ${cols} log ${log} scale ${scale} special ${special}`);
        }
      }
    }
  });

  test("rows of −∞ give NaN, a NaN or +∞ poisons its row, −∞ entries give 0 and −∞", () => {
    const x = Float32Array.from([
      ...[-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      ...[1, Number.NaN, 2, 3, 4],
      ...[1, Infinity, 2, 3, 4],
      ...[0, -Infinity, Math.log(3), -Infinity, -Infinity],
    ]);
    const soft = check(x, 4, 5, false, "special rows");
    expect(Array.from(soft.subarray(0, 15)).every(Number.isNaN)).toBe(true);
    expect(soft[15]).toBeCloseTo(0.25, 6);
    expect(soft[16]).toBe(0);
    const log = check(x, 4, 5, true, "special rows, log");
    expect(Array.from(log.subarray(0, 15)).every(Number.isNaN)).toBe(true);
    expect(log[16]).toBe(-Infinity);
  });

  test("rows sum to 1 and the largest logit's exp is exactly 1 before scaling", () => {
    const x = Float32Array.from([5, 5, 5, 5]);
    const out = new Float32Array(4);
    wasmBackend.softmax(x, 1, 4, out, false);
    expect(Array.from(out)).toEqual([0.25, 0.25, 0.25, 0.25]);
    wasmBackend.softmax(x, 1, 4, out, true);
    expect(out[0]).toBe(Math.fround(-Math.log(4)));
  });

  test("a large input split over threads gives the same bits as on one thread", () => {
    threadTesting.cores = 4;
    threadTesting.busy = false;
    const generator = new Generator(3);
    const [rows, cols] = [515, 509];
    const x = logits(rows * cols, generator, 8, true);
    for (const log of [false, true]) {
      setNumThreads(1);
      const one = check(x, rows, cols, log, `one thread, log ${log}`);
      setNumThreads(3);
      const many = new Float32Array(rows * cols);
      untilWorkersRun(() => {
        wasmBackend.softmax(x, rows, cols, many, log);
        expect(Buffer.from(many.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      });
    }
  });
});

test("float64 softmax is bit-identical to the reference", () => {
  const generator = new Generator(12);
  for (const cols of [1, 2, 7, 64, 129]) {
    for (const log of [false, true]) {
      const rows = 3;
      const x = Float64Array.from(logits(rows * cols, generator, 20, cols > 2), (v) => v * 1.1);
      const fast = new Float64Array(rows * cols);
      const expected = new Float64Array(rows * cols);
      wasmBackend.softmax(x, rows, cols, fast, log);
      referenceBackend.softmax(x, rows, cols, expected, log);
      expect(Array.from(fast).every((v, i) => Object.is(v, expected[i]))).toBe(true);
    }
  }
});

describe("softmax's backward kernel", () => {
  /** The reference's output for y, dy; NaN-filled arrays, so a missed element shows. */
  function both(
    y: Float32Array | Float64Array,
    dy: typeof y,
    rows: number,
    cols: number,
    log: boolean,
  ) {
    const make = () =>
      (y instanceof Float32Array ? new Float32Array(y.length) : new Float64Array(y.length)).fill(
        Number.NaN,
      );
    const fast = make();
    const expected = make();
    wasmBackend.softmaxBackward(y, dy, rows, cols, fast, log);
    referenceBackend.softmaxBackward(y, dy, rows, cols, expected, log);
    return { fast, expected };
  }

  /** Softmax outputs (or log-softmax ones) and random gradients of `rows` × `cols`. */
  type Floats = Float32Array | Float64Array;
  function rowsOf(
    make: (n: number) => Floats,
    rows: number,
    cols: number,
    log: boolean,
    generator: Generator,
  ): [Floats, Floats] {
    const x = make(rows * cols).map(() => 8 * generator.uniform() - 4);
    const y = make(rows * cols);
    referenceBackend.softmax(x, rows, cols, y, log);
    return [y, make(rows * cols).map(() => 2 * generator.uniform() - 1)];
  }

  test("float64 rows bit for bit as the reference, both kinds", () => {
    const generator = new Generator(12);
    const cases = [
      [1, 1],
      [3, 5],
      [7, 64],
      [2, 1000],
    ] as const;
    for (const log of [false, true]) {
      for (const [rows, cols] of cases) {
        const [y, dy] = rowsOf((n) => new Float64Array(n), rows, cols, log, generator);
        const { fast, expected } = both(y, dy, rows, cols, log);
        const off = fast.findIndex((v, i) => !Object.is(v, expected[i]));
        expect(off, `log ${log} [${rows}, ${cols}]`).toBe(-1);
      }
    }
  });

  test("float32 rows in WebAssembly within an ulp or two of the reference (SIMD bodies and tails)", () => {
    const generator = new Generator(13);
    for (let cols = 1; cols <= 37; cols++) {
      for (const log of [false, true]) {
        const rows = generator.integer(1, 6);
        const [y, dy] = rowsOf((n) => new Float32Array(n), rows, cols, log, generator);
        const { fast, expected } = both(y, dy, rows, cols, log);
        // The sum's order differs (four partial sums): its float64 error, times y, is far
        // below float32's, and the rounding to float32 may then differ by one ulp. Log-softmax
        // adds the exp polynomial's 2 ulps, times Σ dy.
        const sums = Array.from({ length: rows }, (_, r) => {
          let sum = 0;
          for (let j = 0; j < cols; j++) sum += dy[r * cols + j]!;
          return sum;
        });
        const bound = (i: number) =>
          1.2e-7 * Math.abs(expected[i]!) +
          (log ? 3e-7 * Math.exp(y[i]!) * Math.abs(sums[Math.floor(i / cols)]!) : 0) +
          1e-15;
        expectWithin(fast, expected, bound, `cols ${cols} log ${log}`);
      }
    }
  });

  test("a large float32 input split over threads gives the same bits as on one thread", () => {
    threadTesting.cores = 4;
    threadTesting.busy = false;
    const [rows, cols] = [1031, 257];
    for (const log of [false, true]) {
      const [y, dy] = rowsOf((n) => new Float32Array(n), rows, cols, log, new Generator(4));
      setNumThreads(1);
      const one = both(y, dy, rows, cols, log).fast;
      setNumThreads(3);
      const many = new Float32Array(rows * cols);
      untilWorkersRun(() => {
        wasmBackend.softmaxBackward(y, dy, rows, cols, many, log);
        expect(Buffer.from(many.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      });
    }
  });

  test("out = y ⊙ (dy − Σ dy·y) and, for log-softmax, dy − exp(y)·Σ dy, summed in float64", () => {
    // Σ dy·y = 0.5·1 + 0.25·2 + 0.25·(−4) = 0 and Σ dy = −1.
    const y = Float32Array.from([0.5, 0.25, 0.25]);
    const dy = Float32Array.from([1, 2, -4]);
    expect(Array.from(both(y, dy, 1, 3, false).fast)).toEqual([0.5, 0.5, -1]);
    const logY = Float64Array.from([Math.log(0.5), Math.log(0.25), Math.log(0.25)]);
    const logOut = both(logY, Float64Array.from(dy), 1, 3, true).fast;
    for (const [i, v] of [1.5, 2.25, -3.75].entries()) expect(logOut[i]).toBeCloseTo(v, 14);
  });

  test("an empty input writes nothing", () => {
    const out = new Float32Array(0);
    wasmBackend.softmaxBackward(new Float32Array(0), new Float32Array(0), 0, 4, out, false);
    expect(out).toHaveLength(0);
  });
});
