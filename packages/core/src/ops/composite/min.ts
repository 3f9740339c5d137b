import type { Tensor, TensorLike } from "../../tensor.js";
import { max } from "../max.js";
import { neg } from "../neg.js";

/**
 * Minimum over `axis` (one, several, or all when omitted), as −max(−x); ties share the
 * gradient evenly.
 * @example min(tensor([[1, 5], [3, 4]]), 1) // tensor([1., 3.])
 */
export function min(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return neg(max(neg(x), axis, keepDims));
}
