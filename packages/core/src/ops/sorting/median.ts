import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isFloat } from "../../dtype.js";
import { ValueError } from "../../errors.js";
import { formatShape, normalizeAxis } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { cast } from "../cast.js";
import { eq, gt, ne } from "../comparison.js";
import { div } from "../div.js";
import { gather } from "../gather.js";
import { asTensor } from "../kernels.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { sub } from "../sub.js";
import { sum } from "../sum.js";
import { to } from "../to-device.js";
import { where } from "../where.js";
import { selectSorted } from "./kthvalue.js";
import { axisLayout, sortKernel, type ValuesAndIndices } from "./sort.js";

/**
 * Where the median sits in each line of `sortedValues` (sorted ascending along `axis`, n
 * long), as int32 with the axis kept: the lower median (n − 1) / 2, or, in a line holding NaN,
 * the first NaN (sorted last, in order), since a NaN makes the median NaN as in PyTorch.
 */
function medianPositions(sortedValues: Tensor, axis: number, n: number): Tensor {
  const nans = sum(cast(ne(sortedValues, sortedValues), "int32"), axis, true);
  return where(gt(nans, 0), sub(n, nans), Tensor.scalar(Math.floor((n - 1) / 2), "int32"));
}

const medianAllOp: OpSpec = {
  name: "median",
  forward: ([x]) => {
    const flat = reshape(x, [x.size]);
    const sorted = sortKernel(flat, 0, false);
    return reshape(gather(sorted.values, 0, medianPositions(sorted.values, 0, x.size)), []);
  },
  backward: (g, { inputs: [x], output }) => {
    // 1{x = median}, or 1{x is NaN} when the median is NaN (NaN equals nothing)
    const isMedian = add(eq(x, output), mul(ne(x, x), ne(output, output)));
    // d median x = g / #{x = median} on each element equal to it (torch.median()'s
    // evenly_distribute_backward)
    return [where(isMedian, div(g, sum(cast(isMedian, g.dtype))), 0)];
  },
};

/**
 * The lower median of all elements (the element at sorted position ⌊(n − 1) / 2⌋), as a 0-d
 * tensor; with `axis`, the lower median of each line along it and its position. A NaN makes
 * the median NaN (its position that of the first NaN), as in PyTorch. Without an axis the
 * gradient is shared evenly among the elements equal to the median (`torch.median()`); with
 * one, it all goes to the position returned (`torch.median(x, dim)`).
 * x: [N, C] → [] ; x: [N, C], axis 1 → values [N], indices [N] (int32)
 * @example median(tensor([3, 1, 4, 2])) // tensor(2.)
 */
export function median(x: TensorLike): Tensor;
export function median(x: TensorLike, axis: number, keepDims?: boolean): ValuesAndIndices;
export function median(x: TensorLike, axis?: number, keepDims = false): Tensor | ValuesAndIndices {
  const t = asTensor(x);
  if (axis === undefined) {
    if (t.size === 0) {
      if (!isFloat(t.dtype)) {
        throw new ValueError("median", `cannot take the median of an empty ${t.dtype} tensor`);
      }
      // PyTorch's median of no elements is NaN.
      return to(Tensor.scalar(Number.NaN, t.dtype), t.device);
    }
    return applyOp(medianAllOp, [t], undefined);
  }
  const ax = normalizeAxis("median", axis, t.shape);
  const n = axisLayout(t.shape, ax).axisLen;
  if (n === 0) {
    throw new ValueError(
      "median",
      `cannot take the median along an empty axis; got axis ${ax} of x ${formatShape(t.shape)}`,
    );
  }
  const sorted = sortKernel(t, ax, false);
  return selectSorted(
    t,
    ax,
    sorted.indices,
    () => gather(sorted.indices, ax, medianPositions(sorted.values, ax, n)),
    keepDims,
  );
}
