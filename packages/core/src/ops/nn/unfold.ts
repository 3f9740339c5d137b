import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ShapeError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, empty, requireFloat } from "../kernels.js";
import { foldWindow } from "./fold.js";
import {
  asBatch,
  geometry,
  perAxis,
  positions,
  product,
  type SizeArg,
  type Window,
} from "./window-args.js";

/** Options of `unfold` and `fold`, as PyTorch's: one number for both axes, or a pair. */
export interface UnfoldOptions {
  /** Spacing of the kernel's taps. Default 1. */
  readonly dilation?: SizeArg;
  /** Zeros added on both sides of each spatial axis. Default 0. */
  readonly padding?: SizeArg;
  /** Step between window positions. Default 1. */
  readonly stride?: SizeArg;
}

const unfoldOp: OpSpec<Window> = {
  name: "unfold",
  forward: ([x], w) => {
    const [n, c] = x.shape as [number, number];
    const cols = empty([n, c * product(w.kernel), product(w.outShape)], x.dtype);
    getBackend().im2col(x.storage, cols.storage, geometry(n * c, w));
    return cols;
  },
  // d unfold = fold: each input element gets the sum of the columns that copied it
  backward: (g, { attrs }) => [foldWindow(g, attrs)],
};

/**
 * im2col over any number of spatial axes: x [N, C, ...inShape] → [N, C·∏kernel, ∏outShape],
 * column o of row (c, k) holding x[n, c] at stride·o + dilation·k − padding (zero outside).
 * The op behind `unfold`, `fold`'s gradient and the convolutions.
 */
export function unfoldWindow(x: Tensor, w: Window): Tensor {
  return applyOp(unfoldOp, [x], w);
}

/**
 * Extracts every sliding block of a batched 2-D input into a column (PyTorch's
 * `torch.nn.functional.unfold`, im2col): for input [N, C, H, W] and an output of L block
 * positions, row c·kh·kw + i·kw + j of column l holds channel c at kernel offset (i, j) of
 * block l, zero where the block reaches into the padding. Not PyTorch's `Tensor.unfold`,
 * which is a different operation.
 * x: [N, C, H, W] (or [C, H, W]) → [N, C·kh·kw, L] (or [C·kh·kw, L])
 * @example unfold(arange(0, 4, 1, { dtype: "float32" }).reshape([1, 1, 2, 2]), 1).shape // [1, 1, 4]
 */
export function unfold(x: TensorLike, kernelSize: SizeArg, options: UnfoldOptions = {}): Tensor {
  checkOptions("unfold", options, ["dilation", "padding", "stride"]);
  const t = asTensor(x);
  requireFloat("unfold", t);
  const batch = asBatch("unfold", t, 2);
  const kernel = perAxis("unfold", "kernelSize", kernelSize, 2, 1, 1);
  const dilation = perAxis("unfold", "dilation", options.dilation, 2, 1, 1);
  const padding = perAxis("unfold", "padding", options.padding, 2, 0, 0);
  const stride = perAxis("unfold", "stride", options.stride, 2, 1, 1);
  const inShape = batch.x.shape.slice(2);
  const outShape = inShape.map((size, d) =>
    positions(size, padding[d]!, padding[d]!, kernel[d]!, stride[d]!, dilation[d]!),
  );
  if (outShape.some((o) => o < 1)) {
    throw new ShapeError(
      "unfold",
      "the kernel does not fit in the padded input",
      { x: t.shape },
      `kernelSize [${kernel.join(", ")}], dilation [${dilation.join(", ")}], padding [${padding.join(", ")}] give [${outShape.join(", ")}] blocks`,
    );
  }
  const w: Window = { kernel, stride, dilation, padding, inShape, outShape };
  return batch.restore(unfoldWindow(batch.x, w));
}
