import { isFloat } from "../../dtype.js";
import { normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { div } from "../div.js";
import { asTensor } from "../kernels.js";
import { sum } from "../sum.js";

/**
 * Mean over `axis` (one, several, or all when omitted): sum / count, differentiated through
 * both. Integer tensors average to float32.
 * x: [2, 3], axis 0 → [3]
 * @example mean(tensor([[1, 2], [3, 4]])) // tensor(2.5000)
 */
export function mean(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  const axes = normalizeAxes("mean", axis, t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  const values = isFloat(t.dtype) ? t : cast(t, "float32");
  return div(sum(values, axes, keepDims), count);
}
