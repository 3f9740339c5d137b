import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { tensor } from "../../creation.js";
import { checkOptions, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { div } from "../div.js";
import { asTensor, empty, requireFloat } from "../kernels.js";
import { reshape } from "../reshape.js";
import { booleanOption } from "../sorting/sort.js";
import { foldWindow } from "./fold.js";
import { poolWindow } from "./max-pool.js";
import { asBatch, geometry, product, type SizeArg, type Window } from "./window-args.js";

/** Options of `avgPool1d` and `avgPool2d`, as PyTorch's take them. */
export interface AvgPoolOptions {
  /** Step between windows. Default the kernel size. */
  readonly stride?: SizeArg;
  /** Implicit zero padding on both sides, at most half the kernel. Default 0. */
  readonly padding?: SizeArg;
  /** Round the output size up, keeping a last window that starts inside the input. Default false. */
  readonly ceilMode?: boolean;
  /** Count the padding's zeros in each window's divisor. Default true. */
  readonly countIncludePad?: boolean;
  /** Divide every window's sum by this instead. */
  readonly divisorOverride?: number;
}

/** Sum pooling: one spec per public op, so errors and graphs name the op the user called. */
function sumPoolSpec(name: string): OpSpec<Window> {
  return {
    name,
    forward: ([x], w) => {
      const [n, c] = x.shape as [number, number];
      const out = empty([n, c, ...w.outShape], x.dtype);
      getBackend().windowSum(x.storage, out.storage, geometry(n * c, w));
      return out;
    },
    // d Σ_window x = g copied to every tap of the window: col2im of g repeated per tap
    backward: (g, { attrs: w }) => {
      const [n, c] = g.shape as [number, number];
      const taps = product(w.kernel);
      const length = product(w.outShape);
      const repeated = broadcastTo(reshape(g, [n, c, 1, length]), [n, c, taps, length]);
      return [foldWindow(reshape(repeated, [n, c * taps, length]), w)];
    },
  };
}

const sumPools: Record<string, OpSpec<Window>> = {
  avgPool1d: sumPoolSpec("avgPool1d"),
  avgPool2d: sumPoolSpec("avgPool2d"),
};

/**
 * Each output position's divisor, as PyTorch's avg_pool2d counts it: the window clipped to
 * the padded input (countIncludePad) or to the input itself, a product over the axes.
 */
function divisors(w: Window, countIncludePad: boolean): number[] {
  const perAxis = w.inShape.map((size, d) => {
    const counts: number[] = [];
    for (let o = 0; o < w.outShape[d]!; o++) {
      const start = o * w.stride[d]! - w.padding[d]!;
      const end = Math.min(start + w.kernel[d]!, size + w.padding[d]!);
      const inside = Math.min(end, size) - Math.max(start, 0);
      // A window wholly in the padding sums to 0; any divisor keeps it 0.
      counts.push(countIncludePad ? end - start : Math.max(inside, 1));
    }
    return counts;
  });
  let all = [1];
  for (const counts of perAxis) all = all.flatMap((a) => counts.map((b) => a * b));
  return all;
}

function avgPool(
  op: string,
  spatial: number,
  input: TensorLike,
  kernelSize: SizeArg,
  options: AvgPoolOptions,
): Tensor {
  checkOptions(op, options, [
    "stride",
    "padding",
    "ceilMode",
    "countIncludePad",
    "divisorOverride",
  ]);
  const t = asTensor(input);
  requireFloat(op, t);
  const countIncludePad = booleanOption(op, "countIncludePad", options.countIncludePad, true);
  const override = options.divisorOverride;
  if (override !== undefined && (!Number.isInteger(override) || override === 0)) {
    throw new ValueError(op, `divisorOverride must be a nonzero integer; got ${String(override)}`);
  }
  const batch = asBatch(op, t, spatial);
  const x = batch.x;
  const { ceilMode, padding, stride } = options;
  const w = poolWindow(op, x, t.shape, spatial, kernelSize, { ceilMode, padding, stride });
  const sums = applyOp(sumPools[op]!, [x], w);
  const divisor =
    override !== undefined
      ? override
      : tensor(divisors(w, countIncludePad), {
          dtype: x.dtype,
          shape: w.outShape,
          device: x.device,
        });
  return batch.restore(div(sums, divisor));
}

/**
 * 1-D average pooling (PyTorch's `avg_pool1d`): each window's mean, the padding's zeros
 * counted unless `countIncludePad` is false.
 * x: [N, C, L] (or [C, L]) → [N, C, L_out]
 * @example avgPool1d(tensor([[[1, 3, 2, 0]]]), 2) // [[[2, 1]]]
 */
export function avgPool1d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: AvgPoolOptions = {},
): Tensor {
  return avgPool("avgPool1d", 1, x, kernelSize, options);
}

/**
 * 2-D average pooling (PyTorch's `avg_pool2d`): each window's mean, the padding's zeros
 * counted unless `countIncludePad` is false, or the sum over `divisorOverride`.
 * x: [N, C, H, W] (or [C, H, W]) → [N, C, H_out, W_out]
 * @example avgPool2d(ones([1, 1, 4, 4]), 2) // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: AvgPoolOptions = {},
): Tensor {
  return avgPool("avgPool2d", 2, x, kernelSize, options);
}
