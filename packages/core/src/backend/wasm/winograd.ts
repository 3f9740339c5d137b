/**
 * Winograd's F(2×2, 3×3) for the windowed products of float32 convolutions with a 3×3 window,
 * stride 1 and dilation 1 (see assembly/winograd.ts): the convolution W·im2col(x), its
 * gradient in x col2im(Wᵀ·g) (a convolution of g by W turned by 180° and transposed, padded
 * by 2 − p), and its gradient in W, g·im2col(x)ᵀ, each with 2.25 times fewer multiply-adds
 * than the products of the unfolded columns. Results differ from those products' in the last
 * bits (the transforms round), by about as much again as the products' own rounding; they
 * depend only on the shapes, never on the thread count.
 *
 * Taken for convolutions with at least MIN_IN_CHANNELS input channels and MIN_OUT_CHANNELS
 * output channels: with fewer inputs the sixteen products are too thin to pay for the
 * transforms.
 */
import type { MatmulArgs } from "../backend.js";
import {
  type FloatArrays,
  partsByProduct,
  productBounds,
  roundUp,
  runKernel,
  SLICE_MIN_MACS,
} from "./matmul.js";
import type { KernelRuntime } from "./runtime.js";
import { endSplitTiming } from "./split.js";
import { getPool } from "./thread-pool.js";
import { as2d } from "./window.js";

/** For tests and benchmarks: the transforms off, so that every product is computed unfolded. */
export const winogradTesting: { enabled: boolean } = { enabled: true };

/**
 * Fewest input and output channels of a convolution whose products take the transforms.
 * Measured on one thread, batch 64, 28² → 26², transforms against unfolded columns (ms): 1
 * input channel, 32 outputs: forward 2.11 / 1.38, weight gradient 5.07 / 2.04, input gradient
 * 3.98 / 1.57; 2 inputs: 2.18 / 1.84, 5.23 / 2.61, 3.70 / 1.92; 4 inputs: 2.68 / 3.04, 5.09 /
 * 3.77, 3.79 / 3.27; 8 inputs: 3.80 / 5.58, 4.45 / 5.91, 4.93 / 5.86; 32 inputs and 4 outputs:
 * 3.60 / 8.03, 3.43 / 7.94, 2.95 / 7.18.
 */
const MIN_IN_CHANNELS = 8;
const MIN_OUT_CHANNELS = 4;

/** Floats after each part's scratch: the output transform reads up to three past a product's last tile. */
const SLACK = 16;

/** Bytes from one transformed matrix of `floats` floats to the next (assembly/winograd.ts). */
const xiStride = (floats: number) => roundUp(floats * 4, 4096) + 64;

/**
 * A windowed product as a Winograd convolution: `kind` "conv" (the convolution, or with
 * `flip` its gradient in x) or "weight" (the gradient in W). The fields are the geometry
 * block the kernels read, in order.
 */
export interface WinogradPlan {
  readonly kind: "conv" | "weight";
  /** The input gradient: the kernels turned by 180° and transposed. */
  readonly flip: boolean;
  /** Input planes of one product, and their size and zero padding. */
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly ph: number;
  readonly pw: number;
  readonly oh: number;
  readonly ow: number;
  readonly tilesH: number;
  readonly tilesW: number;
  /** A padded input plane's rows and row length. */
  readonly hp: number;
  readonly wp: number;
  /** Output channels of one product. */
  readonly channels: number;
}

function plan(
  kind: "conv" | "weight",
  flip: boolean,
  planes: number,
  [h, w, ph, pw, oh, ow]: number[],
  channels: number,
): WinogradPlan | null {
  // The input gradient's transforms read the convolution's output channels as planes.
  const [inChannels, outChannels] = flip ? [channels, planes] : [planes, channels];
  if (inChannels < MIN_IN_CHANNELS || outChannels < MIN_OUT_CHANNELS) return null;
  if (oh < 2 || ow < 2) return null;
  const tilesH = Math.ceil(oh / 2);
  const tilesW = Math.ceil(ow / 2);
  const hp = 2 * tilesH + 2;
  const wp = 2 * roundUp(tilesW, 4) + 2;
  return { kind, flip, planes, h, w, ph, pw, oh, ow, tilesH, tilesW, hp, wp, channels };
}

/** Whether every product reads the same a (one group: one set of kernels). */
const oneKernelSet = (offsets: readonly number[]) => offsets.every((o) => o === offsets[0]);

/** The plan for a float32 windowed product of `args`, or null where the transforms do not apply. */
export function winogradPlan(args: MatmulArgs): WinogradPlan | null {
  if (!winogradTesting.enabled) return null;
  if (args.scale !== undefined || (args.bWindow && args.outWindow)) return null;
  const window = args.bWindow ?? args.outWindow;
  const g = window ? as2d(window) : null;
  if (!g || args.aOffsets.length === 0) return null;
  const threeByThree = g.kh === 3 && g.kw === 3;
  if (!threeByThree || g.sh !== 1 || g.sw !== 1 || g.dh !== 1 || g.dw !== 1) return null;
  const positions = g.oh * g.ow;
  if (g.oh !== g.h + 2 * g.ph - 2 || g.ow !== g.w + 2 * g.pw - 2) return null;
  const forward = [g.h, g.w, g.ph, g.pw, g.oh, g.ow];
  const { m, k, n, transA, transB } = args;
  if (args.bWindow && !transA && !transB) {
    if (k !== g.planes * 9 || n !== positions || !oneKernelSet(args.aOffsets)) return null;
    return plan("conv", false, g.planes, forward, m);
  }
  if (args.bWindow && !transA && transB) {
    if (k !== positions || n !== g.planes * 9) return null;
    return plan("weight", false, g.planes, forward, m);
  }
  if (args.outWindow && transA && !transB) {
    // col2im(Wᵀ·g) is g, padded by 2 − p, convolved with W turned and transposed.
    if (g.ph > 2 || g.pw > 2 || m !== g.planes * 9 || n !== positions) return null;
    if (!oneKernelSet(args.aOffsets)) return null;
    const transposed = [g.oh, g.ow, 2 - g.ph, 2 - g.pw, g.h, g.w];
    return plan("conv", true, k, transposed, g.planes);
  }
  return null;
}

/**
 * Computes the windowed product of `args` by the plan (out as the product or its fold would
 * write it), the bias added per output channel; false (nothing written) when the memory
 * cannot hold it, so that the caller computes it another way.
 */
export function winogradMatmul(
  runtime: KernelRuntime,
  p: WinogradPlan,
  [a, b, out]: FloatArrays,
  args: MatmulArgs,
  bias?: Float32Array | Float64Array,
): boolean {
  if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
    return false;
  }
  if (bias && (p.kind !== "conv" || p.flip || args.biasAxis !== "rows")) return false;
  runtime.reset();
  const exports = runtime.exports;
  const MC = exports.MC.value as number;
  const KC = exports.KC.value as number;
  const NC = exports.NC.value as number;
  const NR = exports.NR.value as number;
  const batch = args.aOffsets.length;
  const tiles = p.tilesH * p.tilesW;
  const rows = roundUp(p.channels, 4);
  // Bytes of a part's scratch, as the kernels lay it out: the padded input planes and their
  // transform, then for a convolution the sixteen products (B is the transformed input, n =
  // tiles), for the weight gradient the padded gradient planes, their transform and the
  // sixteen products (B is the transformed input read transposed, n = planes).
  const inputScratch = p.planes * p.hp * p.wp * 4 + 16 * xiStride(p.planes * tiles);
  const productColumns = p.kind === "conv" ? tiles : p.planes;
  const productsBytes = 16 * xiStride(rows * roundUp(productColumns, NR));
  const scratch =
    p.kind === "conv"
      ? inputScratch + productsBytes
      : inputScratch +
        p.channels * 2 * p.tilesH * 2 * roundUp(p.tilesW, 4) * 4 +
        16 * xiStride(p.channels * tiles) +
        productsBytes;
  const packB = KC * Math.min(NC, roundUp(productColumns, NR));
  const partBytes = scratch + (SLACK + MC * KC + packB) * 4;

  const macs = 16 * batch * p.channels * p.planes * tiles;
  const pool = runtime.shared && macs >= 2 * SLICE_MIN_MACS ? getPool(runtime) : null;
  const threads = pool ? pool.threads() : 1;
  const parts = threads > 1 ? partsByProduct(macs, batch, threads, partBytes) : 1;

  const uSize = p.kind === "conv" ? 16 * p.channels * p.planes : 0;
  const aPtr = runtime.allocate(a.length * 4);
  const bPtr = runtime.allocate(b.length * 4);
  const outPtr = runtime.allocate(out.length * 4);
  const uPtr = uSize ? runtime.allocate(uSize * 4) : 0;
  const offsetsPtr = runtime.allocate(batch * 8);
  const geometryPtr = runtime.allocate(12 * 4);
  const biasPtr = bias ? runtime.allocate(bias.length * 4) : 0;
  const partPtrs: number[] = [];
  for (let t = 0; t < parts; t++) partPtrs.push(runtime.allocate(partBytes));
  if (Math.min(aPtr, bPtr, outPtr, uPtr, offsetsPtr, geometryPtr, biasPtr, ...partPtrs) < 0) {
    return false;
  }

  const f32 = runtime.f32;
  const i32 = runtime.i32;
  f32.set(a, aPtr >> 2);
  f32.set(b, bPtr >> 2);
  if (bias) f32.set(bias, biasPtr >> 2);
  for (let q = 0; q < batch; q++) {
    i32[(offsetsPtr >> 2) + 2 * q] = args.aOffsets[q]! * 4;
    i32[(offsetsPtr >> 2) + 2 * q + 1] = args.bOffsets[q]! * 4;
  }
  const geometry = [p.planes, p.h, p.w, p.ph, p.pw, p.oh, p.ow, p.tilesH, p.tilesW, p.hp, p.wp];
  i32.set([...geometry, p.channels], geometryPtr >> 2);
  if (p.kind === "conv") {
    // The kernels as W's layout holds them: [channels, planes] forwards; [planes, channels]
    // (g's channels, x's) for the input gradient.
    const [outer, inner] = p.flip ? [p.planes, p.channels] : [p.channels, p.planes];
    exports.winogradWeightsF32(aPtr + args.aOffsets[0]! * 4, uPtr, outer, inner, p.flip ? 1 : 0);
  }

  const bounds = productBounds(batch, parts, threads);
  const slices: number[][] = [];
  for (let t = 0; t < parts; t++) {
    const [p0, p1] = [bounds[t]!, bounds[t + 1]!];
    const at = partPtrs[t]!;
    const packs = [at + scratch + SLACK * 4, at + scratch + (SLACK + MC * KC) * 4];
    slices.push(
      p.kind === "conv"
        ? [uPtr, bPtr, outPtr, offsetsPtr, p0, p1, geometryPtr, at, ...packs, biasPtr]
        : [aPtr, bPtr, outPtr, offsetsPtr, p0, p1, geometryPtr, at, ...packs],
    );
  }
  // Each product's result, contiguous: [channels, oh, ow] or [channels, planes·9].
  const size = out.length / batch;
  const view = runtime.f32;
  const kernel = p.kind === "conv" ? "winogradConvF32" : "winogradWeightF32";
  runKernel(runtime, pool, kernel, slices, (t) => {
    const [p0, p1] = [bounds[t]!, bounds[t + 1]!];
    const from = (outPtr >> 2) + p0 * size;
    out.set(view.subarray(from, from + (p1 - p0) * size), p0 * size);
  });
  endSplitTiming();
  return true;
}
