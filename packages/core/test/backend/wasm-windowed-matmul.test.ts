/**
 * The matmul kernel's window arguments (a convolution's products): the WebAssembly backend
 * unfolds b's planes and folds the products in its own memory, and must give exactly what its
 * separate im2col, matmul and col2im give through an explicit column buffer, on one thread
 * and split over three; the reference backend's lowering agrees within float32's rounding;
 * sizes that disagree with the window are refused. The Winograd transforms, which take 3×3
 * windows of stride 1 in place of the unfolded columns, are off here (wasm-winograd.test.ts).
 */
import {
  type Backend,
  Generator,
  type MatmulArgs,
  referenceBackend,
  setNumThreads,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { winogradTesting } from "../../src/backend/wasm/winograd.js";
import { cpuScratch, windowedMatmul } from "../../src/backend/windowed-matmul.js";
import { absolute, expectSame, expectWithin, randomF32, untilWorkersRun } from "./kernel-check.js";

type Geometry = Parameters<Backend["im2col"]>[2];

beforeEach(() => {
  winogradTesting.enabled = false;
});

afterEach(() => {
  winogradTesting.enabled = true;
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** A convolution's window over `planes` channels (per group). */
interface ConvCase {
  readonly label: string;
  readonly window: Geometry;
  /** Samples × groups: the products. */
  readonly samples: number;
  readonly groups: number;
  /** Output channels per group. */
  readonly outChannels: number;
}

const cases: ConvCase[] = [
  {
    label: "the MNIST network's second convolution (positions a multiple of 8)",
    window: {
      planes: 8,
      inShape: [26, 26],
      outShape: [24, 24],
      kernel: [3, 3],
      stride: [1, 1],
      dilation: [1, 1],
      padding: [0, 0],
    },
    samples: 3,
    groups: 1,
    outChannels: 16,
  },
  {
    label: "strided, dilated, padded, 169 positions, two groups",
    window: {
      planes: 3,
      inShape: [17, 15],
      outShape: [13, 13],
      kernel: [3, 2],
      stride: [1, 1],
      dilation: [2, 1],
      padding: [2, 1],
    },
    samples: 2,
    groups: 2,
    outChannels: 5,
  },
  {
    label: "stride 2 past the far edge, one channel",
    window: {
      planes: 1,
      inShape: [9, 11],
      outShape: [5, 6],
      kernel: [3, 3],
      stride: [2, 2],
      dilation: [1, 1],
      padding: [1, 1],
    },
    samples: 4,
    groups: 1,
    outChannels: 7,
  },
  {
    label: "one spatial axis (conv1d), depthwise",
    window: {
      planes: 1,
      inShape: [40],
      outShape: [19],
      kernel: [4],
      stride: [2],
      dilation: [1],
      padding: [1],
    },
    samples: 2,
    groups: 6,
    outChannels: 1,
  },
];

interface Operands {
  readonly weight: Float32Array;
  readonly planes: Float32Array;
  readonly gradient: Float32Array;
  readonly sizes: { taps: number; positions: number; inSize: number; kg: number };
  /** Product p is sample p / groups, group p % groups. */
  readonly products: number;
}

function operands(c: ConvCase, seed: number): Operands {
  const generator = new Generator(seed);
  const w = c.window;
  const taps = product(w.kernel);
  const positions = product(w.outShape);
  const inSize = product(w.inShape);
  const kg = w.planes * taps;
  const products = c.samples * c.groups;
  return {
    weight: randomF32(c.groups * c.outChannels * kg, generator),
    planes: randomF32(products * w.planes * inSize, generator),
    gradient: randomF32(products * c.outChannels * positions, generator),
    sizes: { taps, positions, inSize, kg },
    products,
  };
}

/** The three products' arguments: the convolution, its weight gradient and its input gradient. */
function argsOf(c: ConvCase, o: Operands) {
  const { positions, inSize, kg } = o.sizes;
  const m = c.outChannels;
  const range = Array.from({ length: o.products }, (_, p) => p);
  const group = (p: number) => p % c.groups;
  const forward: MatmulArgs = {
    aOffsets: range.map((p) => group(p) * m * kg),
    bOffsets: range.map((p) => p * c.window.planes * inSize),
    m,
    k: kg,
    n: positions,
    transA: false,
    transB: false,
    bWindow: c.window,
  };
  const weightGradient: MatmulArgs = {
    aOffsets: range.map((p) => p * m * positions),
    bOffsets: range.map((p) => p * c.window.planes * inSize),
    m,
    k: positions,
    n: kg,
    transA: false,
    transB: true,
    bWindow: c.window,
  };
  const inputGradient: MatmulArgs = {
    aOffsets: range.map((p) => group(p) * m * kg),
    bOffsets: range.map((p) => p * m * positions),
    m: kg,
    k: m,
    n: positions,
    transA: true,
    transB: false,
    outWindow: c.window,
  };
  return { forward, weightGradient, inputGradient };
}

/** The explicit lowering through the wasm backend's own kernels (its im2col, plain matmul, col2im). */
function explicit(a: Float32Array, b: Float32Array, outSize: number, args: MatmulArgs) {
  const out = new Float32Array(outSize);
  windowedMatmul(wasmBackend, cpuScratch, a, b, out, args);
  return out;
}

describe("window arguments of the WebAssembly matmul", () => {
  for (const c of cases) {
    test(`equal the explicit columns bit for bit, on one thread and three: ${c.label}`, () => {
      const o = operands(c, 5);
      const { forward, weightGradient, inputGradient } = argsOf(c, o);
      const { positions, inSize, kg } = o.sizes;
      const runs = [
        { args: forward, a: o.weight, b: o.planes, size: o.products * c.outChannels * positions },
        { args: weightGradient, a: o.gradient, b: o.planes, size: o.products * c.outChannels * kg },
        {
          args: inputGradient,
          a: o.weight,
          b: o.gradient,
          size: o.products * c.window.planes * inSize,
        },
      ];
      for (const { args, a, b, size } of runs) {
        const label = `${c.label} ${args.outWindow ? "col2im" : args.transB ? "weight" : "forward"}`;
        const expected = explicit(a, b, size, args);
        setNumThreads(1);
        const fused = new Float32Array(size);
        // The columns never leave the kernel memory: no call to the backend's own im2col or col2im.
        const unfold = vi.spyOn(wasmBackend, "im2col");
        const fold = vi.spyOn(wasmBackend, "col2im");
        wasmBackend.matmul(a, b, fused, args);
        expect(unfold.mock.calls.length + fold.mock.calls.length).toBe(0);
        vi.restoreAllMocks();
        expectSame(fused, expected, `${label}, one thread`);

        threadTesting.cores = 4;
        threadTesting.busy = false;
        setNumThreads(3);
        const split = new Float32Array(size);
        wasmBackend.matmul(a, b, split, args);
        expectSame(split, expected, `${label}, three threads`);
        threadTesting.cores = undefined;
        threadTesting.busy = undefined;

        // The reference lowering (float64 sums) within float32 rounding of each product.
        const reference = new Float64Array(size);
        const scale = new Float64Array(size);
        const wide = (x: Float32Array) => Float64Array.from(x);
        referenceBackend.matmul(wide(a), wide(b), reference, args);
        referenceBackend.matmul(absolute(wide(a)), absolute(wide(b)), scale, args);
        const depth = args.k * (args.outWindow ? product(c.window.kernel) : 1);
        expectWithin(fused, reference, (i) => (depth + 2) * 2 ** -23 * scale[i]!, label);
      }
    });
  }

  // Six products over three threads: split by whole products, each slice unfolding or
  // folding its own products' columns; one or two products over three threads: split by rows
  // or columns, over columns unfolded once for all slices.
  for (const samples of [6, 2, 1]) {
    test(`${samples} product${samples === 1 ? "" : "s"} large enough to split run slices on the workers and match the explicit columns`, () => {
      const c = { ...cases[0]!, samples, outChannels: 32 };
      const o = operands(c, 9);
      const { forward, weightGradient, inputGradient } = argsOf(c, o);
      const { positions, inSize, kg } = o.sizes;
      const runs = [
        { args: forward, a: o.weight, b: o.planes, size: o.products * 32 * positions },
        { args: weightGradient, a: o.gradient, b: o.planes, size: o.products * 32 * kg },
        { args: inputGradient, a: o.weight, b: o.gradient, size: o.products * 8 * inSize },
      ];
      for (const { args, a, b, size } of runs) {
        const label = `${samples} × ${args.outWindow ? "col2im" : args.transB ? "weight" : "forward"}`;
        const expected = explicit(a, b, size, args);
        threadTesting.cores = 4;
        threadTesting.busy = false;
        setNumThreads(3);
        const split = new Float32Array(size);
        untilWorkersRun(() => wasmBackend.matmul(a, b, split, args), `${label}: slices on workers`);
        expectSame(split, expected, `${label}, split over three threads`);
      }
    });
  }

  test("float64 goes through the explicit columns, with the same result", () => {
    const c = cases[1]!;
    const o = operands(c, 13);
    const { forward, inputGradient } = argsOf(c, o);
    const wide = (x: Float32Array) => Float64Array.from(x, (v, i) => v + 1e-9 * (i % 5));
    for (const [args, a, b, size] of [
      [forward, o.weight, o.planes, o.products * c.outChannels * o.sizes.positions],
      [inputGradient, o.weight, o.gradient, o.products * c.window.planes * o.sizes.inSize],
    ] as const) {
      const fused = new Float64Array(size);
      const unfold = vi.spyOn(wasmBackend, args.outWindow ? "col2im" : "im2col");
      wasmBackend.matmul(wide(a), wide(b), fused, args);
      expect(unfold).toHaveBeenCalledOnce();
      vi.restoreAllMocks();
      const expected = new Float64Array(size);
      windowedMatmul(wasmBackend, cpuScratch, wide(a), wide(b), expected, args);
      expectSame(fused, expected, `float64 ${args.outWindow ? "col2im" : "forward"}`);
    }
  });

  test("the explicit lowering holds a run of products' columns at a time and gives what one product per call gives", () => {
    // 4·9·33,124 columns per product: over a million elements, so each run is one product.
    const c: ConvCase = {
      label: "large planes",
      window: {
        planes: 4,
        inShape: [184, 184],
        outShape: [182, 182],
        kernel: [3, 3],
        stride: [1, 1],
        dilation: [1, 1],
        padding: [0, 0],
      },
      samples: 3,
      groups: 1,
      outChannels: 2,
    };
    const o = operands(c, 17);
    const { forward, inputGradient } = argsOf(c, o);
    const { positions, inSize } = o.sizes;
    for (const [args, a, b, perProduct] of [
      [forward, o.weight, o.planes, c.outChannels * positions],
      [inputGradient, o.weight, o.gradient, c.window.planes * inSize],
    ] as const) {
      const label = args.outWindow ? "col2im" : "forward";
      const windowKernel = vi.spyOn(referenceBackend, args.outWindow ? "col2im" : "im2col");
      const runs = new Float32Array(o.products * perProduct);
      windowedMatmul(referenceBackend, cpuScratch, a, b, runs, args);
      expect(windowKernel, label).toHaveBeenCalledTimes(o.products);
      vi.restoreAllMocks();
      for (let p = 0; p < o.products; p++) {
        const one = new Float32Array(perProduct);
        const single = {
          ...args,
          aOffsets: [args.aOffsets[p]!],
          bOffsets: [args.outWindow ? args.bOffsets[p]! : 0],
        };
        const planes = args.outWindow ? b : b.subarray(args.bOffsets[p]!);
        windowedMatmul(referenceBackend, cpuScratch, a, planes, one, single);
        expectSame(
          runs.subarray(p * perProduct, (p + 1) * perProduct),
          one,
          `${label} product ${p}`,
        );
      }
    }
  });

  test("sizes that disagree with the window are refused, naming matmul", () => {
    const c = cases[0]!;
    const o = operands(c, 3);
    const { forward, inputGradient } = argsOf(c, o);
    const out = new Float32Array(1 << 16);
    for (const backend of [wasmBackend, referenceBackend]) {
      expect(() =>
        backend.matmul(o.weight, o.planes, out, { ...forward, k: forward.k - 1 }),
      ).toThrow(/matmul: b's window gives \[72, 576\] columns, not \[71, 576\]/);
      expect(() =>
        backend.matmul(o.weight, o.planes, out, { ...forward, bOffsets: [1, 2, 3] }),
      ).toThrow(/matmul: b's planes at 1 are not whole planes/);
      expect(() => backend.matmul(o.weight, o.gradient, out, { ...inputGradient, n: 575 })).toThrow(
        /matmul: out's window takes \[72, 576\] columns, not \[72, 575\]/,
      );
    }
  });
});
