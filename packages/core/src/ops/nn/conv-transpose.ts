import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { arithmeticDtype, asTensor, requireFloat } from "../kernels.js";
import { addBias, checkGroups, checkWeightAndBias } from "./conv.js";
import { convTransposeProduct } from "./conv-products.js";
import { asBatch, perAxis, type SizeArg, span } from "./window-args.js";

/** Options of `convTranspose1d` and `convTranspose2d`, as PyTorch's take them. */
export interface ConvTransposeOptions {
  /** Step between the positions each input element is spread to. Default 1. */
  readonly stride?: SizeArg;
  /** Trimmed from both sides of each output axis (dilation·(k − 1) − padding is added). Default 0. */
  readonly padding?: SizeArg;
  /** Added to one side of each output axis; smaller than stride or dilation. Default 0. */
  readonly outputPadding?: SizeArg;
  /** Spacing of the kernel's taps. Default 1. */
  readonly dilation?: SizeArg;
  /** Input and output channels split into this many independent groups. Default 1. */
  readonly groups?: number;
}

/**
 * The transposed convolution (the gradient of a convolution with respect to its input),
 * lowered onto the batched matmul and col2im: weightᵀ [G, out/G·∏k, in/G] · x [N, G, in/G, L]
 * gives every input element's contribution to each kernel offset, which col2im adds into
 * place (see conv-products.ts).
 */
function convTranspose(
  op: string,
  spatial: number,
  input: TensorLike,
  weightLike: TensorLike,
  biasLike: TensorLike | null | undefined,
  options: ConvTransposeOptions,
): Tensor {
  checkOptions(op, options, ["stride", "padding", "outputPadding", "dilation", "groups"]);
  const x0 = asTensor(input);
  const weight = asTensor(weightLike);
  const bias = biasLike === null || biasLike === undefined ? undefined : asTensor(biasLike);
  requireFloat(op, x0);
  requireFloat(op, weight);
  arithmeticDtype(op, x0, weight);
  if (bias) arithmeticDtype(op, x0, bias);
  const groups = options.groups ?? 1;
  const layout = spatial === 1 ? "[in, out / groups, k]" : "[in, out / groups, kh, kw]";
  const outChannels = () => weight.shape[1]! * (Number.isInteger(groups) ? groups : 1);
  checkWeightAndBias(op, x0, weight, bias, spatial, outChannels, layout);
  const batch = asBatch(op, x0, spatial, { weight: weight.shape });
  const x = batch.x;
  const shapes = { x: x0.shape, weight: weight.shape };
  const [weightIn, outPerGroup] = weight.shape as [number, number];
  const inChannels = x.shape[1]!;
  checkGroups(op, groups, inChannels, outPerGroup * groups, weightIn, shapes, true);
  const kernel = weight.shape.slice(2);
  const stride = perAxis(op, "stride", options.stride, spatial, 1, 1);
  const padding = perAxis(op, "padding", options.padding, spatial, 0, 0);
  const outputPadding = perAxis(op, "outputPadding", options.outputPadding, spatial, 0, 0);
  const dilation = perAxis(op, "dilation", options.dilation, spatial, 1, 1);
  outputPadding.forEach((p, d) => {
    if (p >= stride[d]! && p >= dilation[d]!) {
      throw new ValueError(
        op,
        `outputPadding must be smaller than either stride or dilation; got outputPadding [${outputPadding.join(", ")}], stride [${stride.join(", ")}], dilation [${dilation.join(", ")}]`,
      );
    }
  });
  const inShape = x.shape.slice(2);
  const outShape = inShape.map(
    (size, d) =>
      (size - 1) * stride[d]! -
      2 * padding[d]! +
      span(kernel[d]!, dilation[d]!) +
      outputPadding[d]!,
  );
  if (outShape.some((size) => size < 1)) {
    throw new ShapeError(
      op,
      "the output would be empty",
      shapes,
      `stride [${stride.join(", ")}], padding [${padding.join(", ")}] give output [${outShape.join(", ")}]`,
    );
  }
  // The input's positions are the windows; the output is the image they are folded into.
  const window = { kernel, stride, dilation, padding, inShape: outShape, outShape: inShape };
  const y = convTransposeProduct(x, weight, { window, groups });
  return batch.restore(addBias(y, bias));
}

/**
 * 1-D transposed convolution (PyTorch's `conv_transpose1d`), the adjoint of `conv1d` in x.
 * x: [N, C_in, L] (or [C_in, L]), weight: [C_in, C_out / groups, k], bias: [C_out] → [N, C_out, (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1]
 * @example convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 1]]])) // [[[1, 3, 2]]]
 */
export function convTranspose1d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTranspose("convTranspose1d", 1, x, weight, bias, options);
}

/**
 * 2-D transposed convolution (PyTorch's `conv_transpose2d`), the adjoint of `conv2d` in x.
 * x: [N, C_in, H, W] (or [C_in, H, W]), weight: [C_in, C_out / groups, kh, kw], bias: [C_out] → [N, C_out, H_out, W_out]
 * @example convTranspose2d(ones([1, 1, 1, 1]), ones([1, 1, 2, 2]), null, { stride: 2 }).shape // [1, 1, 2, 2]
 */
export function convTranspose2d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTranspose("convTranspose2d", 2, x, weight, bias, options);
}
