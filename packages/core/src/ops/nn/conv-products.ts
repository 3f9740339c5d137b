/**
 * The three products a convolution's forward and backward passes are made of, each one
 * batched matmul per few samples whose window arguments say how the columns relate to the
 * planes (see `MatmulArgs.bWindow` and `outWindow`):
 *
 *   conv(x, W)          = W · im2col(x)                  (the convolution)
 *   convTranspose(g, W) = col2im(Wᵀ · g)                 (its gradient in x; the transposed convolution)
 *   convWeight(x, g)    = Σ_n g_n · im2col(x_n)ᵀ         (its gradient in W)
 *
 * Each is the others' gradient, so second derivatives come from the same three. Fused rather
 * than composed from `unfold` and `matmul` for memory: the composition keeps the whole
 * batch's columns (C·k·k times the input; 42 MB for the MNIST network's second convolution)
 * alive from the forward pass to the backward and builds as large a column gradient there,
 * where these keep only x and W. The backend unfolds the columns a product or a run of
 * products at a time, in its own memory where it can (the WebAssembly kernels never copy
 * them out); the weight gradient recomputes them rather than keeping them.
 */
import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { MatmulArgs } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { allocateOn, type Storage, targetDevice } from "../../device.js";
import type { Tensor } from "../../tensor.js";
import { empty } from "../kernels.js";
import { sum } from "../sum.js";
import { geometry, product, type Window } from "./window-args.js";

/** How a convolution is lowered: its window (x's spatial axes → positions) and its groups. */
export interface Lowering {
  readonly window: Window;
  readonly groups: number;
}

/**
 * Operand elements per call (32 MB of float32): each call's samples' planes, outputs and
 * per-sample weight products, which bounds the memory a backend holds them in (the
 * WebAssembly backend copies them into its own). The columns are bounded apart from this:
 * the fused kernels unfold one product's at a time, and the generic lowering a run of
 * products at a time. Calls of 12 samples rather than the MNIST network's 64 made its
 * two-thread step 8–15 % slower: each call ends in a join, with a slice's imbalance.
 */
const CALL_ELEMENTS = 1 << 23;

/** For tests: a smaller bound than CALL_ELEMENTS, to split small batches into several calls. */
export const convTesting: { callElements?: number } = {};

/** The sizes of a lowering for `inChannels` and `outChannels`. */
function sizesOf({ window: w, groups }: Lowering, inChannels: number, outChannels: number) {
  const taps = product(w.kernel);
  const length = product(w.outShape);
  const inSize = product(w.inShape);
  return {
    taps,
    length,
    inSize,
    // Per group: W is [m, kg], the columns [kg, length], unfolded from planesPerGroup planes.
    m: outChannels / groups,
    kg: (inChannels / groups) * taps,
    planesPerGroup: inChannels / groups,
    // What one sample adds to a call: its planes and its output (or its weight product).
    perSample: inChannels * inSize + outChannels * length,
    weightSize: outChannels * (inChannels / groups) * taps,
  };
}

/** Samples per call: as many as keep a call's operands within CALL_ELEMENTS (at least one). */
function chunkSamples(batch: number, perSample: number): number {
  const bound = convTesting.callElements ?? CALL_ELEMENTS;
  return Math.max(1, Math.min(batch, Math.floor(bound / Math.max(perSample, 1))));
}

/** Matmul arguments for `samples` × `groups` products with the given operand offsets. */
function products(
  samples: number,
  groups: number,
  aOffset: (sample: number, group: number) => number,
  bOffset: (sample: number, group: number) => number,
  shape: Pick<MatmulArgs, "m" | "k" | "n" | "transA" | "transB" | "bWindow" | "outWindow">,
): MatmulArgs {
  const aOffsets: number[] = [];
  const bOffsets: number[] = [];
  for (let s = 0; s < samples; s++) {
    for (let g = 0; g < groups; g++) {
      aOffsets.push(aOffset(s, g));
      bOffsets.push(bOffset(s, g));
    }
  }
  return { aOffsets, bOffsets, ...shape };
}

/** Samples [from, from + count) of a batch whose samples hold `size` elements each. */
const samplesOf = (data: Storage, from: number, count: number, size: number) =>
  data.subarray(from * size, (from + count) * size);

const convOp: OpSpec<Lowering> = {
  name: "conv",
  // x [N, C_in, ...in], W [C_out, C_in/G, ...k] (, bias [C_out] with one group) → [N, C_out, ...out]
  forward: ([x, weight, bias], lowering) => {
    const [n, cin] = x.shape as [number, number];
    const cout = weight.shape[0]!;
    const { window: w, groups } = lowering;
    const { length, inSize, m, kg, planesPerGroup, perSample } = sizesOf(lowering, cin, cout);
    const y = empty([n, cout, ...w.outShape], x.dtype);
    const step = chunkSamples(n, perSample);
    const backend = getBackend();
    for (let n0 = 0; n0 < n; n0 += step) {
      const count = Math.min(step, n - n0);
      const args = products(
        count,
        groups,
        (_, g) => g * m * kg,
        (s, g) => (s * groups + g) * planesPerGroup * inSize,
        {
          m,
          k: kg,
          n: length,
          transA: false,
          transB: false,
          bWindow: geometry(planesPerGroup, w),
          ...(bias ? { biasAxis: "rows" as const } : {}),
        },
      );
      const planes = samplesOf(x.storage, n0, count, cin * inSize);
      const out = samplesOf(y.storage, n0, count, cout * length);
      // The bias (one value per output channel: per row of each product) is added as the
      // products are copied out.
      backend.matmul(weight.storage, planes, out, args, bias?.storage);
    }
    return y;
  },
  // dx = col2im(Wᵀ · g), dW = Σ_n g_n · im2col(x_n)ᵀ, db = Σ over samples, then positions, of g
  backward: (g, { inputs: [x, weight, bias], attrs }) => {
    const dx = x!.requiresGrad ? convTransposeProduct(g, weight!, attrs) : null;
    const dWeight = weight!.requiresGrad ? convWeightProduct(x!, g, attrs) : null;
    if (!bias) return [dx, dWeight];
    const spatial = attrs.window.outShape.map((_, d) => d + 1);
    return [dx, dWeight, bias.requiresGrad ? sum(sum(g, 0), spatial) : null];
  },
};

const convTransposeOp: OpSpec<Lowering> = {
  name: "convTranspose",
  // g [N, C_out, ...out], W [C_out, C_in/G, ...k] → [N, C_in, ...in]
  forward: ([g, weight], lowering) => {
    const [n, cout] = g.shape as [number, number];
    const { window: w, groups } = lowering;
    const cin = weight.shape[1]! * groups;
    const { length, inSize, m, kg, planesPerGroup, perSample } = sizesOf(lowering, cin, cout);
    // Zeroed: the products' col2im adds into it, each sample's planes once.
    const dx = empty([n, cin, ...w.inShape], g.dtype);
    const step = chunkSamples(n, perSample);
    const backend = getBackend();
    for (let n0 = 0; n0 < n; n0 += step) {
      const count = Math.min(step, n - n0);
      const args = products(
        count,
        groups,
        (_, gr) => gr * m * kg,
        (s, gr) => (s * groups + gr) * m * length,
        {
          m: kg,
          k: m,
          n: length,
          transA: true,
          transB: false,
          outWindow: geometry(planesPerGroup, w),
        },
      );
      const gradients = samplesOf(g.storage, n0, count, cout * length);
      backend.matmul(
        weight.storage,
        gradients,
        samplesOf(dx.storage, n0, count, cin * inSize),
        args,
      );
    }
    return dx;
  },
  // For y = col2im(Wᵀ·g) and upstream h: dg = W · im2col(h), dW = Σ_n g_n · im2col(h_n)ᵀ
  backward: (h, { inputs: [g, weight], attrs }) => [
    g!.requiresGrad ? convProduct(h, weight!, attrs) : null,
    weight!.requiresGrad ? convWeightProduct(h, g!, attrs) : null,
  ],
};

const convWeightOp: OpSpec<Lowering> = {
  name: "convWeight",
  // x [N, C_in, ...in], g [N, C_out, ...out] → [C_out, C_in/G, ...k]
  forward: ([x, g], lowering) => {
    const [n, cin] = x.shape as [number, number];
    const cout = g.shape[1]!;
    const { window: w, groups } = lowering;
    const sizes = sizesOf(lowering, cin, cout);
    const { length, inSize, m, kg, planesPerGroup } = sizes;
    const dw = empty([cout, cin / groups, ...w.kernel], x.dtype);
    // Each sample's product is summed after the call: it is an operand too.
    const step = chunkSamples(n, sizes.perSample + sizes.weightSize);
    const partial = allocateOn(targetDevice(), x.dtype, step * cout * kg);
    const chunkSum = allocateOn(targetDevice(), x.dtype, cout * kg);
    const flat = { offset: 0, strides: [1] };
    const backend = getBackend();
    for (let n0 = 0; n0 < n; n0 += step) {
      const count = Math.min(step, n - n0);
      const args = products(
        count,
        groups,
        (s, gr) => (s * groups + gr) * m * length,
        (s, gr) => (s * groups + gr) * planesPerGroup * inSize,
        {
          m,
          k: length,
          n: kg,
          transA: false,
          transB: true,
          bWindow: geometry(planesPerGroup, w),
        },
      );
      const parts = partial.subarray(0, count * cout * kg);
      const planes = samplesOf(x.storage, n0, count, cin * inSize);
      backend.matmul(samplesOf(g.storage, n0, count, cout * length), planes, parts, args);
      // Sum the chunk's per-sample products, then add that into the total.
      backend.reduce("sum", parts, [count, cout * kg], [0], chunkSum);
      const total = { data: dw.storage, ...flat };
      backend.binary("add", total, { data: chunkSum, ...flat }, dw.storage, [cout * kg]);
    }
    return dw;
  },
  // For dW = Σ_n g_n · im2col(x_n)ᵀ and upstream h (like W): dx = col2im(hᵀ · g), dg = h · im2col(x)
  backward: (h, { inputs: [x, g], attrs }) => [
    x!.requiresGrad ? convTransposeProduct(g!, h, attrs) : null,
    g!.requiresGrad ? convProduct(x!, h, attrs) : null,
  ],
};

/**
 * W · im2col(x) per group, plus the bias per output channel if given (one group only):
 * x [N, C_in, ...in], W [C_out, C_in/G, ...k], bias [C_out] → [N, C_out, ...out].
 */
export function convProduct(x: Tensor, weight: Tensor, lowering: Lowering, bias?: Tensor): Tensor {
  return applyOp(convOp, bias ? [x, weight, bias] : [x, weight], lowering);
}

/** col2im(Wᵀ · g) per group: g [N, C_out, ...out], W [C_out, C_in/G, ...k] → [N, C_in, ...in]. */
export function convTransposeProduct(g: Tensor, weight: Tensor, lowering: Lowering): Tensor {
  return applyOp(convTransposeOp, [g, weight], lowering);
}

/** Σ_n g_n · im2col(x_n)ᵀ per group: x [N, C_in, ...in], g [N, C_out, ...out] → [C_out, C_in/G, ...k]. */
export function convWeightProduct(x: Tensor, g: Tensor, lowering: Lowering): Tensor {
  return applyOp(convWeightOp, [x, g], lowering);
}
