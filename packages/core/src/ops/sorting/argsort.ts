import { checkOptions } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { booleanOption, type SortOptions, sortKernel } from "./sort.js";

/**
 * The positions that sort `x` along `axis`, as int32 (`sort(x, axis).indices`). NaN sorts as
 * the largest value; equal elements keep their order. Carries no gradient.
 * x: [N, C], axis -1 → [N, C] (int32)
 * @example argsort(tensor([3, 1, 2]), -1, { descending: true }) // tensor([0, 2, 1], dtype=int32)
 */
export function argsort(x: TensorLike, axis = -1, options: SortOptions = {}): Tensor {
  checkOptions("argsort", options, ["descending", "stable"]);
  const t = asTensor(x);
  const ax = normalizeAxis("argsort", axis, t.shape);
  const descending = booleanOption("argsort", "descending", options.descending, false);
  booleanOption("argsort", "stable", options.stable, false);
  return sortKernel(t, ax, descending).indices;
}
