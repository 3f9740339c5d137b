/**
 * Winograd's F(2×2, 3×3) in the WebAssembly matmul: a convolution's three windowed products
 * (the convolution, its input gradient and its weight gradient) with a 3×3 window of stride 1
 * and dilation 1 take the transforms instead of the unfolded columns. Each agrees with the
 * reference's float64 sums within a small multiple of float32's rounding of the unfolded
 * product, on odd sizes, every padding, partial tiles and grouped weight gradients; gives the
 * same bits on one thread and split over three; adds the bias as a separate addition would
 * round it; and windows it does not apply to still go through the unfolded columns.
 */
import {
  type Backend,
  Generator,
  type MatmulArgs,
  referenceBackend,
  setNumThreads,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { winogradPlan, winogradTesting } from "../../src/backend/wasm/winograd.js";
import { absolute, expectSame, expectWithin, randomF32, untilWorkersRun } from "./kernel-check.js";

type Geometry = Parameters<Backend["im2col"]>[2];

afterEach(() => {
  winogradTesting.enabled = true;
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

interface ConvCase {
  readonly label: string;
  /** Input planes per group, their size and padding. */
  readonly planes: number;
  readonly inShape: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly samples: number;
  readonly groups: number;
  /** Output channels per group. */
  readonly outChannels: number;
}

function windowOf(c: ConvCase): Geometry {
  const [h, w] = c.inShape;
  const [ph, pw] = c.padding;
  return {
    planes: c.planes,
    inShape: [h, w],
    outShape: [h + 2 * ph - 2, w + 2 * pw - 2],
    kernel: [3, 3],
    stride: [1, 1],
    dilation: [1, 1],
    padding: [ph, pw],
  };
}

const cases: ConvCase[] = [
  {
    label: "whole tiles (the MNIST network's second convolution, fewer channels)",
    planes: 8,
    inShape: [26, 26],
    padding: [0, 0],
    samples: 3,
    groups: 1,
    outChannels: 16,
  },
  {
    label: "odd sizes, padding 1, a part-filled last vector of tiles",
    planes: 9,
    inShape: [7, 9],
    padding: [1, 1],
    samples: 2,
    groups: 1,
    outChannels: 11,
  },
  {
    label: "padding 2 and 1, one sample",
    planes: 12,
    inShape: [5, 6],
    padding: [2, 1],
    samples: 1,
    groups: 1,
    outChannels: 8,
  },
  {
    label: "padding 3 (no input gradient by the transforms), 13 channels",
    planes: 8,
    inShape: [6, 5],
    padding: [3, 3],
    samples: 2,
    groups: 1,
    outChannels: 13,
  },
  {
    label: "three rows of output (a lone last row of tiles), 33 channels",
    planes: 16,
    inShape: [3, 20],
    padding: [1, 0],
    samples: 2,
    groups: 1,
    outChannels: 33,
  },
  {
    label: "two groups (the weight gradient only)",
    planes: 8,
    inShape: [10, 10],
    padding: [1, 1],
    samples: 2,
    groups: 2,
    outChannels: 8,
  },
];

interface Run {
  readonly name: "forward" | "weight" | "input";
  readonly args: MatmulArgs;
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly size: number;
}

/** The three products of case c, with seeded operands. */
function runsOf(c: ConvCase, seed: number): Run[] {
  const generator = new Generator(seed);
  const window = windowOf(c);
  const positions = product(window.outShape);
  const inSize = product(window.inShape);
  const kg = c.planes * 9;
  const m = c.outChannels;
  const products = c.samples * c.groups;
  const weight = randomF32(c.groups * m * kg, generator);
  const planes = randomF32(products * c.planes * inSize, generator);
  const gradient = randomF32(products * m * positions, generator);
  const range = Array.from({ length: products }, (_, p) => p);
  const group = (p: number) => p % c.groups;
  return [
    {
      name: "forward",
      args: {
        aOffsets: range.map((p) => group(p) * m * kg),
        bOffsets: range.map((p) => p * c.planes * inSize),
        ...{ m, k: kg, n: positions, transA: false, transB: false, bWindow: window },
      },
      a: weight,
      b: planes,
      size: products * m * positions,
    },
    {
      name: "weight",
      args: {
        aOffsets: range.map((p) => p * m * positions),
        bOffsets: range.map((p) => p * c.planes * inSize),
        ...{ m, k: positions, n: kg, transA: false, transB: true, bWindow: window },
      },
      a: gradient,
      b: planes,
      size: products * m * kg,
    },
    {
      name: "input",
      args: {
        aOffsets: range.map((p) => group(p) * m * kg),
        bOffsets: range.map((p) => p * m * positions),
        ...{ m: kg, k: m, n: positions, transA: true, transB: false, outWindow: window },
      },
      a: weight,
      b: gradient,
      size: products * c.planes * inSize,
    },
  ];
}

/** Whether the transforms take this run: one set of kernels for the convolutions, padding ≤ 2 for the input gradient. */
function takes(c: ConvCase, run: Run): boolean {
  if (run.name === "weight") return true;
  if (c.groups > 1) return false;
  return run.name === "forward" || Math.max(...c.padding) <= 2;
}

/**
 * How many times the unfolded product's worst-case rounding bound the transforms may err by:
 * each transform rounds sums of up to four inputs before and after the products, so their
 * worst case is a few times the product's. Over these cases the largest error measured was
 * 0.033 of the unfolded product's bound (random operands' errors do not add up in the worst
 * case), so a wrong transform, off by the size of a term, cannot pass.
 */
const TRANSFORM_FACTOR = 4;

describe("Winograd's F(2×2, 3×3) in the WebAssembly matmul", () => {
  test("is planned for 3×3 windows of stride 1 and dilation 1, 8 input and 4 output channels or more", () => {
    const c = cases[0]!;
    const [forward, weight, input] = runsOf(c, 1);
    for (const run of [forward!, weight!, input!]) {
      expect(winogradPlan(run.args), run.name).not.toBeNull();
      const window = run.args.bWindow ?? run.args.outWindow!;
      const key = run.args.bWindow ? "bWindow" : "outWindow";
      const strided = { ...window, stride: [2, 2], outShape: [12, 12] };
      const dilated = { ...window, dilation: [2, 2], outShape: [22, 22] };
      expect(winogradPlan({ ...run.args, [key]: strided }), `${run.name} stride 2`).toBeNull();
      expect(winogradPlan({ ...run.args, [key]: dilated }), `${run.name} dilation 2`).toBeNull();
      const flat = { ...window, kernel: [3, 2], outShape: [24, 25] };
      expect(winogradPlan({ ...run.args, [key]: flat }), `${run.name} 3×2`).toBeNull();
      expect(winogradPlan({ ...run.args, scale: 0.5 }), `${run.name} scaled`).toBeNull();
    }
    // Three output channels, or seven input planes: the sixteen products would be too thin.
    expect(winogradPlan({ ...forward!.args, m: 3 })).toBeNull();
    expect(winogradPlan({ ...forward!.args, m: 4 })).not.toBeNull();
    const sevenPlanes = { ...forward!.args.bWindow!, planes: 7 };
    expect(winogradPlan({ ...forward!.args, k: 63, bWindow: sevenPlanes })).toBeNull();
    expect(winogradPlan({ ...weight!.args, n: 63, bWindow: sevenPlanes })).toBeNull();
    // The input gradient: 7 input channels (its output), or 3 output channels (its planes).
    expect(winogradPlan({ ...input!.args, m: 63, outWindow: sevenPlanes })).toBeNull();
    expect(winogradPlan({ ...input!.args, k: 3 })).toBeNull();
    expect(winogradPlan({ ...input!.args, k: 4 })).not.toBeNull();
    // The convolutions need one set of kernels for every product (one group).
    expect(winogradPlan({ ...forward!.args, aOffsets: [0, 0, 1152] })).toBeNull();
    expect(winogradPlan({ ...input!.args, aOffsets: [0, 1152, 0] })).toBeNull();
  });

  for (const c of cases) {
    test(`agrees with the reference within float32 rounding, and on one thread and three: ${c.label}`, () => {
      for (const run of runsOf(c, 7)) {
        const label = `${c.label}, ${run.name}`;
        expect(winogradPlan(run.args) !== null, `${label}: planned`).toBe(takes(c, run));
        setNumThreads(1);
        const one = new Float32Array(run.size);
        wasmBackend.matmul(run.a, run.b, one, run.args);

        const wide = (x: Float32Array) => Float64Array.from(x);
        const reference = new Float64Array(run.size);
        const scale = new Float64Array(run.size);
        referenceBackend.matmul(wide(run.a), wide(run.b), reference, run.args);
        referenceBackend.matmul(absolute(wide(run.a)), absolute(wide(run.b)), scale, run.args);
        const depth = run.name === "input" ? run.args.k * 9 : run.args.k;
        const factor = takes(c, run) ? TRANSFORM_FACTOR : 1;
        const bound = (i: number) => factor * (depth + 2) * 2 ** -23 * scale[i]!;
        expectWithin(one, reference, bound, label);

        // The unfolded columns give other bits wherever the transforms are taken.
        winogradTesting.enabled = false;
        const unfolded = new Float32Array(run.size);
        wasmBackend.matmul(run.a, run.b, unfolded, run.args);
        winogradTesting.enabled = true;
        const same = one.every((v, i) => Object.is(v, unfolded[i]));
        expect(same, `${label}: the same bits as the unfolded columns`).toBe(!takes(c, run));

        threadTesting.cores = 4;
        threadTesting.busy = false;
        setNumThreads(3);
        const three = new Float32Array(run.size);
        wasmBackend.matmul(run.a, run.b, three, run.args);
        expectSame(three, one, `${label}, three threads`);
        threadTesting.cores = undefined;
        threadTesting.busy = undefined;
      }
    });
  }

  test("splits whole products over the workers, with the bits of one thread", () => {
    const c: ConvCase = { ...cases[0]!, planes: 16, outChannels: 32, samples: 6 };
    for (const run of runsOf(c, 11)) {
      setNumThreads(1);
      const one = new Float32Array(run.size);
      wasmBackend.matmul(run.a, run.b, one, run.args);
      threadTesting.cores = 4;
      threadTesting.busy = false;
      setNumThreads(3);
      const split = new Float32Array(run.size);
      untilWorkersRun(() => wasmBackend.matmul(run.a, run.b, split, run.args), run.name);
      expectSame(split, one, `${run.name}, split over three threads`);
      threadTesting.cores = undefined;
      threadTesting.busy = undefined;
    }
  });

  test("an infinite input reaches exactly the outputs whose windows hold it", () => {
    const c = cases[1]!;
    const [forward] = runsOf(c, 5);
    const planes = forward!.b.slice();
    // One +∞ in the middle of sample 0's plane 3, one −∞ at a corner of sample 1's plane 0.
    const [h, w] = c.inShape;
    planes[3 * h * w + 3 * w + 4] = Number.POSITIVE_INFINITY;
    planes[c.planes * h * w] = Number.NEGATIVE_INFINITY;
    const transformed = new Float32Array(forward!.size);
    wasmBackend.matmul(forward!.a, planes, transformed, forward!.args);
    winogradTesting.enabled = false;
    const unfolded = new Float32Array(forward!.size);
    wasmBackend.matmul(forward!.a, planes, unfolded, forward!.args);
    // The unfolded product gives ±∞ there; a tile's transforms may subtract one infinity from
    // another and give NaN instead, but never touch an output whose window misses them.
    const nonFinite = (x: Float32Array) => Array.from(x, (v) => !Number.isFinite(v));
    expect(nonFinite(transformed)).toEqual(nonFinite(unfolded));
    // Every output channel: the 9 positions around the +∞, the 4 of the corner's −∞.
    expect(nonFinite(unfolded).filter(Boolean).length).toBe((9 + 4) * c.outChannels);
  });

  test("adds the bias per output channel as a separate addition rounds it", () => {
    const c = cases[1]!;
    const [forward] = runsOf(c, 3);
    const bias = randomF32(c.outChannels, new Generator(4));
    const plain = new Float32Array(forward!.size);
    wasmBackend.matmul(forward!.a, forward!.b, plain, forward!.args);
    const biased = new Float32Array(forward!.size);
    const args = { ...forward!.args, biasAxis: "rows" as const };
    wasmBackend.matmul(forward!.a, forward!.b, biased, args, bias);
    const positions = forward!.args.n;
    const expected = plain.map((v, i) => v + bias[Math.floor(i / positions) % c.outChannels]!);
    expectSame(biased, expected, "forward with bias");
  });
});
