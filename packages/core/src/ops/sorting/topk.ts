import { checkOptions, ValueError } from "../../errors.js";
import { formatShape, normalizeAxis } from "../../shape.js";
import type { TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { slice } from "../slice.js";
import {
  axisLayout,
  booleanOption,
  selectAlong,
  sortKernel,
  type ValuesAndIndices,
} from "./sort.js";

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default) or, when false, the k smallest. */
  readonly largest?: boolean;
  /**
   * Return them in sorted order. They always come sorted (largest first, or smallest first),
   * which PyTorch's unspecified order for `sorted: false` allows. Default true.
   */
  readonly sorted?: boolean;
}

/**
 * The k largest (or smallest) elements along `axis` and their positions. NaN counts as the
 * largest value; among equal elements the earlier ones are taken first. The gradient of
 * `values` goes back to the positions in `indices`.
 * x: [N, C], k, axis -1 → values [N, k], indices [N, k] (int32)
 * @example topk(tensor([1, 5, 3]), 2).values // tensor([5., 3.])
 */
export function topk(
  x: TensorLike,
  k: number,
  axis = -1,
  options: TopkOptions = {},
): ValuesAndIndices {
  checkOptions("topk", options, ["largest", "sorted"]);
  const t = asTensor(x);
  const ax = normalizeAxis("topk", axis, t.shape);
  const largest = booleanOption("topk", "largest", options.largest, true);
  booleanOption("topk", "sorted", options.sorted, true);
  const n = axisLayout(t.shape, ax).axisLen;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError(
      "topk",
      `k must be an integer in [0, ${n}] for axis ${ax} of size ${n}; got k = ${k} for x ${formatShape(t.shape)}`,
    );
  }
  const sorted = sortKernel(t, ax, largest);
  if (t.rank === 0) {
    return { values: selectAlong(t, ax, sorted.indices, sorted.values), indices: sorted.indices };
  }
  const begin = t.shape.map(() => 0);
  const end = t.shape.map((d, a) => (a === ax ? k : d));
  const indices = slice(sorted.indices, begin, end);
  // d topk(x) = g scattered back to the positions taken (gather's adjoint)
  return { values: selectAlong(t, ax, indices, slice(sorted.values, begin, end)), indices };
}
