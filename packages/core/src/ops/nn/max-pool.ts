import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Shape } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, empty, onDevice, requireFloat } from "../kernels.js";
import { reshape } from "../reshape.js";
import { scatterAddAt } from "../scatter-add.js";
import { booleanOption, type ValuesAndIndices } from "../sorting/sort.js";
import {
  asBatch,
  geometry,
  perAxis,
  product,
  type SizeArg,
  span,
  type Window,
} from "./window-args.js";

/** Options of `maxPool1d` and `maxPool2d`, as PyTorch's take them. */
export interface MaxPoolOptions {
  /** Step between windows. Default the kernel size. */
  readonly stride?: SizeArg;
  /** Implicit −∞ padding on both sides, at most half the kernel size. Default 0. */
  readonly padding?: SizeArg;
  /** Spacing of the window's taps. Default 1. */
  readonly dilation?: SizeArg;
  /** Round the output size up, keeping a last window that starts inside the input. Default false. */
  readonly ceilMode?: boolean;
  /** Also return the flat position of each maximum within its input plane. Default false. */
  readonly returnIndices?: boolean;
}

/**
 * Window positions along an axis, as PyTorch's pooling_output_shape: the last window must
 * start inside the input or its leading padding.
 */
export function poolPositions(
  size: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceil: boolean,
): number {
  const reach = size + 2 * pad - span(kernel, dilation) + (ceil ? stride - 1 : 0);
  let out = Math.floor(reach / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** The pooling window of an op: kernel, stride (default the kernel), padding and output size. */
export function poolWindow(
  op: string,
  x: Tensor,
  xShape: readonly number[],
  spatial: number,
  kernelSize: SizeArg,
  options: { stride?: SizeArg; padding?: SizeArg; dilation?: SizeArg; ceilMode?: boolean },
): Window {
  const kernel = perAxis(op, "kernelSize", kernelSize, spatial, 1, 1);
  const noStride =
    options.stride === undefined || (Array.isArray(options.stride) && options.stride.length === 0);
  const stride = noStride ? kernel : perAxis(op, "stride", options.stride, spatial, 1, 1);
  const padding = perAxis(op, "padding", options.padding, spatial, 0, 0);
  const dilation = perAxis(op, "dilation", options.dilation, spatial, 1, 1);
  const ceil = booleanOption(op, "ceilMode", options.ceilMode, false);
  padding.forEach((p, d) => {
    // PyTorch bounds it by the kernel's size, whatever the dilation.
    if (p > Math.floor(kernel[d]! / 2)) {
      throw new ValueError(
        op,
        `padding must be at most half the kernel size; got padding [${padding.join(", ")}] and kernelSize [${kernel.join(", ")}]`,
      );
    }
  });
  const inShape = x.shape.slice(2);
  const outShape = inShape.map((size, d) =>
    poolPositions(size, kernel[d]!, padding[d]!, stride[d]!, dilation[d]!, ceil),
  );
  if (outShape.some((o) => o < 1)) {
    throw new ShapeError(
      op,
      "the output would be empty: the window is larger than the padded input",
      { x: xShape },
      `kernelSize [${kernel.join(", ")}], dilation [${dilation.join(", ")}], padding [${padding.join(", ")}] give output [${outShape.join(", ")}]`,
    );
  }
  return { kernel, stride, dilation, padding, inShape, outShape };
}

interface MaxPoolAttrs {
  /** The window maxima and their flat positions in each input plane, from `windowMax`. */
  readonly values: Tensor;
  readonly indices: Tensor;
}

/**
 * Max pooling as an op of the tape: its output is the maxima `windowMax` found (with their
 * positions) before the op was applied, so the values are computed once whether or not a
 * gradient is wanted.
 */
function maxPoolOp(name: string): OpSpec<MaxPoolAttrs> {
  return {
    name,
    forward: (_, { values }) => values,
    // d maxPool(x) = g added at each window's maximum: a scatter-add along the flattened
    // plane, whose own gradient is the gather of each window's maximum.
    backward: (g, { inputs: [x], attrs: { indices } }) => {
      const [n, c] = x!.shape as [number, number];
      const plane = (shape: Shape) => [n, c, product(shape.slice(2))];
      const added = scatterAddAt(
        reshape(g, plane(g.shape)),
        2,
        reshape(indices, plane(indices.shape)),
        plane(x!.shape),
      );
      return [reshape(added, x!.shape)];
    },
  };
}

const maxPoolOps = [maxPoolOp("maxPool1d"), maxPoolOp("maxPool2d")];

function maxPool(
  op: string,
  spatial: number,
  input: TensorLike,
  kernelSize: SizeArg,
  options: MaxPoolOptions,
): Tensor | ValuesAndIndices {
  checkOptions(op, options, ["stride", "padding", "dilation", "ceilMode", "returnIndices"]);
  const t = asTensor(input);
  requireFloat(op, t);
  const returnIndices = booleanOption(op, "returnIndices", options.returnIndices, false);
  const batch = asBatch(op, t, spatial);
  const x = batch.x;
  const w = poolWindow(op, x, t.shape, spatial, kernelSize, options);
  const [n, c] = x.shape as [number, number];
  const shape = [n, c, ...w.outShape];
  // Outside an op's forward: the kernel and its results go to x's device.
  const { values, indices } = onDevice(x.device, () => {
    const values = empty(shape, x.dtype);
    const indices = empty(shape, "int32");
    getBackend().windowMax(x.storage, values.storage, indices.storage, geometry(n * c, w));
    return { values, indices };
  });
  const output = applyOp(maxPoolOps[spatial === 1 ? 0 : 1]!, [x], { values, indices });
  if (!returnIndices) return batch.restore(output);
  return { values: batch.restore(output), indices: batch.restore(indices) };
}

/**
 * 1-D max pooling (PyTorch's `max_pool1d`): the largest element of each window, NaN
 * propagating; with `returnIndices`, also each maximum's position along L.
 * x: [N, C, L] (or [C, L]) → [N, C, L_out]
 * @example maxPool1d(tensor([[[1, 3, 2, 0]]]), 2) // [[[3, 2]]]
 */
export function maxPool1d(
  x: TensorLike,
  kernelSize: SizeArg,
  options?: MaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function maxPool1d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: MaxPoolOptions & { readonly returnIndices: true },
): ValuesAndIndices;
export function maxPool1d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: MaxPoolOptions = {},
): Tensor | ValuesAndIndices {
  return maxPool("maxPool1d", 1, x, kernelSize, options);
}

/**
 * 2-D max pooling (PyTorch's `max_pool2d`): the largest element of each window, NaN
 * propagating; with `returnIndices`, also each maximum's flat position h·W + w in its plane.
 * x: [N, C, H, W] (or [C, H, W]) → [N, C, H_out, W_out]
 * @example maxPool2d(arange(0, 16, 1, { dtype: "float32" }).reshape([1, 1, 4, 4]), 2) // [[[[5, 7], [13, 15]]]]
 */
export function maxPool2d(
  x: TensorLike,
  kernelSize: SizeArg,
  options?: MaxPoolOptions & { readonly returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: MaxPoolOptions & { readonly returnIndices: true },
): ValuesAndIndices;
export function maxPool2d(
  x: TensorLike,
  kernelSize: SizeArg,
  options: MaxPoolOptions = {},
): Tensor | ValuesAndIndices {
  return maxPool("maxPool2d", 2, x, kernelSize, options);
}
