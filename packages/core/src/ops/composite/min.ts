import { isFloat } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { asTensor } from "../kernels.js";
import { max } from "../max.js";
import { neg } from "../neg.js";

/**
 * Minimum over `axis` (one, several, or all when omitted), as −max(−x). At ties the gradient
 * follows PyTorch as `max`'s does: shared evenly for `min(x)` and `min(x, [axes])`, all to the
 * first minimum (the index `argmin` returns) for `min(x, axis)`. int32 and bool keep their
 * dtype, as in PyTorch.
 * @example min(tensor([[1, 5], [3, 4]]), 1) // tensor([1., 3.])
 */
export function min(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  // −x is no bool and overflows for int32's −2³¹: integers are negated in float64, which
  // holds every int32 exactly, and come back to their own dtype.
  if (!isFloat(t.dtype)) return cast(neg(max(neg(cast(t, "float64")), axis, keepDims)), t.dtype);
  return neg(max(neg(t), axis, keepDims));
}
