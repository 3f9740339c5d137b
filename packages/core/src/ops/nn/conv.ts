import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { broadcastTo } from "../broadcast-to.js";
import { arithmeticDtype, asTensor, requireFloat } from "../kernels.js";
import { matmul } from "../matmul.js";
import { reshape } from "../reshape.js";
import { type PadMode, pad } from "../shape/pad.js";
import { slice } from "../slice.js";
import { convProduct } from "./conv-products.js";
import { asBatch, perAxis, positions, product, type SizeArg, span } from "./window-args.js";

/** How a convolution pads: with zeros, or as `pad`'s reflect, replicate and circular modes. */
export type ConvPaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** Options of `conv1d` and `conv2d`, as PyTorch's `Conv1d`/`Conv2d` take them. */
export interface ConvOptions {
  /** Step between output positions. Default 1. */
  readonly stride?: SizeArg;
  /**
   * Padding on both sides of each spatial axis, or `"valid"` (none) or `"same"` (the output as
   * long as the input, stride 1 only; an odd total puts the extra element after). Default 0.
   */
  readonly padding?: SizeArg | "same" | "valid";
  /** Spacing of the kernel's taps. Default 1. */
  readonly dilation?: SizeArg;
  /** Input and output channels split into this many independent groups. Default 1. */
  readonly groups?: number;
  /** What the padding holds. Default "zeros". */
  readonly paddingMode?: ConvPaddingMode;
}

const MODES: readonly ConvPaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

/** Checks `groups` divides both channel counts and matches the weight's input channels. */
export function checkGroups(
  op: string,
  groups: number,
  inChannels: number,
  outChannels: number,
  weightIn: number,
  shapes: Readonly<Record<string, readonly number[]>>,
  transposed: boolean,
): void {
  if (typeof groups !== "number" || !Number.isInteger(groups) || groups < 1) {
    throw new ValueError(op, `groups must be a positive integer; got ${String(groups)}`);
  }
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ShapeError(
      op,
      "channels must be divisible by groups",
      shapes,
      `${inChannels} input and ${outChannels} output channels, groups=${groups}`,
    );
  }
  if (weightIn * (transposed ? 1 : groups) !== inChannels) {
    const expected = transposed ? weightIn : weightIn * groups;
    throw new ShapeError(
      op,
      `x must have ${expected} channels to match the weight`,
      shapes,
      transposed
        ? `weight [in, out / groups, ...kernel] takes ${weightIn} input channels, x has ${inChannels}`
        : `weight [out, in / groups, ...kernel] with groups=${groups} takes ${expected}, x has ${inChannels}`,
    );
  }
}

/** Checks the weight's rank and the bias's shape against `outChannels`. */
export function checkWeightAndBias(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | undefined,
  spatial: number,
  outChannels: () => number,
  layout: string,
): void {
  if (weight.rank !== spatial + 2) {
    throw new ShapeError(
      op,
      `weight must be ${spatial + 2}-D ${layout}`,
      { x: x.shape, weight: weight.shape },
      `rank ${weight.rank}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels())) {
    throw new ShapeError(
      op,
      `bias must be 1-D with one entry per output channel (${outChannels()})`,
      { x: x.shape, weight: weight.shape, bias: bias.shape },
    );
  }
}

/**
 * y + bias[c] on channel axis 1 of y [N, C, ...]. The bias is first spread over one [C, ...]
 * plane, so that the sum runs as a plane repeated down the batch and its gradient as a sum
 * over the batch axis alone (both SIMD in the fast backend), then a small sum over the plane;
 * a [C, 1, 1] bias broadcast straight into y takes the generic strided loops, which bench/conv.ts
 * measured at several times the cost.
 */
export function addBias(y: Tensor, bias: Tensor | undefined): Tensor {
  if (!bias) return y;
  const plane = y.shape.slice(1);
  const column = reshape(bias, [bias.size, ...plane.slice(1).map(() => 1)]);
  return add(y, broadcastTo(column, plane));
}

/**
 * [before, after] padding per spatial axis for `padding`: a number or list applies to both
 * sides; "same" splits d·(k − 1) with the extra element after, as PyTorch does.
 */
function paddingOf(
  op: string,
  padding: ConvOptions["padding"],
  spatial: number,
  kernel: readonly number[],
  dilation: readonly number[],
  stride: readonly number[],
): [number, number][] {
  if (padding === "valid") return kernel.map(() => [0, 0]);
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) {
      throw new ValueError(
        op,
        `padding "same" needs stride 1; got stride [${stride.join(", ")}]`,
        `pad explicitly, or use padding "valid"`,
      );
    }
    return kernel.map((k, d) => {
      const total = span(k, dilation[d]!) - 1;
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === "string") {
    throw new ValueError(
      op,
      `padding must be a number, a list, "same" or "valid"; got "${padding}"`,
    );
  }
  return perAxis(op, "padding", padding, spatial, 0, 0).map((p) => [p, p]);
}

/**
 * The convolution over `spatial` axes, lowered onto the batched matmul: im2col then weight
 * [G, out/G, in/G·∏k] · columns [N, G, in/G·∏k, L] for G groups, so each group is one
 * product of the batch (see conv-products.ts). A 1×1 kernel without padding skips im2col: the
 * input (taken every stride-th element) is already its own column matrix. Non-zero padding
 * modes pad the input with `pad` first.
 */
export function convolution(
  op: string,
  spatial: number,
  input: TensorLike,
  weightLike: TensorLike,
  biasLike: TensorLike | null | undefined,
  options: ConvOptions,
): Tensor {
  checkOptions(op, options, ["stride", "padding", "dilation", "groups", "paddingMode"]);
  const x0 = asTensor(input);
  const weight = asTensor(weightLike);
  const bias = biasLike === null || biasLike === undefined ? undefined : asTensor(biasLike);
  requireFloat(op, x0);
  requireFloat(op, weight);
  arithmeticDtype(op, x0, weight);
  if (bias) arithmeticDtype(op, x0, bias);
  const layout = spatial === 1 ? "[out, in / groups, k]" : "[out, in / groups, kh, kw]";
  checkWeightAndBias(op, x0, weight, bias, spatial, () => weight.shape[0]!, layout);
  const batch = asBatch(op, x0, spatial, { weight: weight.shape });
  let x = batch.x;
  const shapes = { x: x0.shape, weight: weight.shape };
  const groups = options.groups ?? 1;
  const [outChannels, weightIn] = weight.shape as [number, number];
  const inChannels = x.shape[1]!;
  checkGroups(op, groups, inChannels, outChannels, weightIn, shapes, false);
  const kernel = weight.shape.slice(2);
  const stride = perAxis(op, "stride", options.stride, spatial, 1, 1);
  const dilation = perAxis(op, "dilation", options.dilation, spatial, 1, 1);
  const mode = options.paddingMode ?? "zeros";
  if (!MODES.includes(mode)) {
    throw new ValueError(
      op,
      `unknown paddingMode "${String(mode)}"; expected one of ${MODES.join(", ")}`,
    );
  }
  let pads = paddingOf(op, options.padding, spatial, kernel, dilation, stride);
  if (mode !== "zeros" && pads.some(([a, b]) => a > 0 || b > 0)) {
    // pad lists the last axis first.
    const flat = [...pads].reverse().flat();
    x = pad(x, flat, { mode: mode as PadMode });
    pads = pads.map(() => [0, 0]);
  }
  const inShape = x.shape.slice(2);
  const outShape = inShape.map((size, d) =>
    positions(size, pads[d]![0], pads[d]![1], kernel[d]!, stride[d]!, dilation[d]!),
  );
  if (
    inShape.some((size, d) => size + pads[d]![0] + pads[d]![1] < span(kernel[d]!, dilation[d]!))
  ) {
    const padded = inShape.map((size, d) => size + pads[d]![0] + pads[d]![1]);
    throw new ShapeError(
      op,
      "the kernel is larger than the padded input",
      shapes,
      `padded input [${padded.join(", ")}], kernel [${kernel.join(", ")}] spanning [${kernel.map((k, d) => span(k, dilation[d]!)).join(", ")}] with dilation`,
    );
  }
  const n = x.shape[0]!;
  const taps = product(kernel);
  const padding = pads.map(([before]) => before);
  let y: Tensor;
  // With one group the bias joins the product (added as it is copied out); otherwise after.
  let after = bias;
  if (taps === 1 && padding.every((p) => p === 0)) {
    // A 1×1 kernel: x, taken every stride-th element, is its own column matrix.
    const strided = stride.every((s) => s === 1)
      ? x
      : slice(x, [0, 0, ...stride.map(() => 0)], undefined, [1, 1, ...stride]);
    const length = product(outShape);
    const cols = reshape(strided, [n, groups, weightIn, length]);
    const w = reshape(weight, [groups, outChannels / groups, weightIn]);
    y = matmul(w, cols);
  } else {
    const window = { kernel, stride, dilation, padding, inShape, outShape };
    const fused = groups === 1 && bias?.dtype === x.dtype ? bias : undefined;
    if (fused) after = undefined;
    y = convProduct(x, weight, { window, groups }, fused);
  }
  return batch.restore(addBias(reshape(y, [n, outChannels, ...outShape]), after));
}

/**
 * 1-D convolution (cross-correlation, as PyTorch's `conv1d`), lowered onto im2col and the
 * batched matmul; gradients, and their gradients, follow from those ops.
 * x: [N, C_in, L] (or [C_in, L]), weight: [C_out, C_in / groups, k], bias: [C_out] → [N, C_out, L_out]
 * @example conv1d(tensor([[[1, 2, 3]]]), tensor([[[1, 1]]])) // [[[3, 5]]]
 */
export function conv1d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  options: ConvOptions = {},
): Tensor {
  return convolution("conv1d", 1, x, weight, bias, options);
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's `conv2d`), lowered onto im2col and the
 * batched matmul (groups as products of the batch, 1×1 kernels straight to the matmul);
 * gradients, and their gradients, follow from those ops.
 * x: [N, C_in, H, W] (or [C_in, H, W]), weight: [C_out, C_in / groups, kh, kw], bias: [C_out] → [N, C_out, H_out, W_out]
 * @example conv2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2])) // [[[[4, 4], [4, 4]]]]
 */
export function conv2d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  options: ConvOptions = {},
): Tensor {
  return convolution("conv2d", 2, x, weight, bias, options);
}
