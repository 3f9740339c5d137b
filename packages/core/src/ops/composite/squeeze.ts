import { normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Removes axes of size 1: those of them named by `axis`, or all of them. As in PyTorch, a
 * named axis whose size is not 1 is left in place.
 * x: [2, 1, 3] → [2, 3]; x: [2, 3], axis 1 → [2, 3]
 * @example squeeze(zeros([2, 1, 3, 1]), [1, 2]).shape // [2, 3, 1]
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = asTensor(x);
  const named = axis === undefined ? undefined : normalizeAxes("squeeze", axis, t.shape);
  return reshape(
    t,
    t.shape.filter((d, i) => d !== 1 || (named !== undefined && !named.includes(i))),
  );
}
