import type { Tensor, TensorLike } from "../../tensor.js";
import { eq } from "../comparison.js";
import { sqrt } from "../sqrt.js";
import { where } from "../where.js";
import { type VarianceOptions, varianceOf } from "./var.js";

/**
 * √v with gradient 0 where v = 0, as PyTorch's std_backward and norm_backward give (the true
 * derivative is infinite there). The square root only ever sees a nonzero value, so neither
 * this gradient nor its own gradient meets 0·∞.
 */
export function sqrtZeroSafe(v: Tensor): Tensor {
  const zero = eq(v, 0);
  return where(zero, 0, sqrt(where(zero, 1, v)));
}

/**
 * Standard deviation over `axis` (one, several, or all when omitted): √var with the same
 * `correction` (default 1) and `keepDims`. Its gradient is 0 where the deviation is 0.
 * x: [2, 3], axis 1 → [2]
 * @example std(tensor([1, 2, 3, 4])) // tensor(1.2910)
 */
export function std(
  x: TensorLike,
  axis?: number | readonly number[],
  options: VarianceOptions = {},
): Tensor {
  return sqrtZeroSafe(varianceOf("std", x, axis, options));
}
