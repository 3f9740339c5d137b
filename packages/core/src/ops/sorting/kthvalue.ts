import { ValueError } from "../../errors.js";
import { formatShape, normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { slice } from "../slice.js";
import { axisLayout, selectAlong, sortKernel, type ValuesAndIndices } from "./sort.js";

/**
 * The values and positions at sorted positions `positions` (int32, x's shape with size 1 on
 * `axis`) of x sorted ascending along `axis`, with the axis kept or dropped.
 */
export function selectSorted(
  x: Tensor,
  axis: number,
  sortedIndices: Tensor,
  positions: (begin: number[], end: number[]) => Tensor,
  keepDims: boolean,
): ValuesAndIndices {
  const begin = x.shape.map(() => 0);
  const end = [...x.shape];
  let indices = x.rank === 0 ? sortedIndices : positions(begin, end);
  // d x[…, index, …] = g scattered back to the index (gather's adjoint)
  let values = selectAlong(x, axis, indices);
  if (!keepDims && x.rank > 0) {
    const shape = x.shape.filter((_, a) => a !== axis);
    values = reshape(values, shape);
    indices = reshape(indices, shape);
  }
  return { values, indices };
}

/**
 * The k-th smallest element (k counted from 1) along `axis` and its position. NaN counts as
 * the largest value; among equal elements the earliest in sorted (stable) order is taken.
 * The gradient of `values` goes to that position.
 * x: [N, C], k, axis -1 → values [N], indices [N] (int32); keepDims keeps [N, 1]
 * @example kthvalue(tensor([4, 1, 3]), 2).values // tensor(3.)
 */
export function kthvalue(x: TensorLike, k: number, axis = -1, keepDims = false): ValuesAndIndices {
  const t = asTensor(x);
  const ax = normalizeAxis("kthvalue", axis, t.shape);
  const n = axisLayout(t.shape, ax).axisLen;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ValueError(
      "kthvalue",
      `k must be an integer in [1, ${n}] for axis ${ax} of size ${n}; got k = ${k} for x ${formatShape(t.shape)}`,
    );
  }
  const { indices } = sortKernel(t, ax, false);
  return selectSorted(
    t,
    ax,
    indices,
    (begin, end) => {
      begin[ax] = k - 1;
      end[ax] = k;
      return slice(indices, begin, end);
    },
    keepDims,
  );
}
