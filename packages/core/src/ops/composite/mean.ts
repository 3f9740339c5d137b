import { normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { asTensor, requireFloat } from "../kernels.js";
import { sum } from "../sum.js";

/**
 * Mean over `axis` (one, several, or all when omitted): sum / count, differentiated through
 * both. Integer and bool tensors are rejected, as PyTorch rejects them (it cannot tell which
 * float dtype to give): cast them first.
 * x: [2, 3], axis 0 → [3]
 * @example mean(tensor([[1, 2], [3, 4]])) // tensor(2.5000)
 */
export function mean(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  requireFloat("mean", t);
  const axes = normalizeAxes("mean", axis, t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  return div(sum(t, axes, keepDims), count);
}
