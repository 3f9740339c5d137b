import type { Tensor, TensorLike } from "../../tensor.js";
import { max } from "../max.js";
import { neg } from "../neg.js";

/**
 * Minimum over `axis` (one, several, or all when omitted), as −max(−x). At ties the gradient
 * follows PyTorch as `max`'s does: shared evenly for `min(x)` and `min(x, [axes])`, all to the
 * first minimum (the index `argmin` returns) for `min(x, axis)`.
 * @example min(tensor([[1, 5], [3, 4]]), 1) // tensor([1., 3.])
 */
export function min(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return neg(max(neg(x), axis, keepDims));
}
