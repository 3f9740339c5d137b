import { normalizeAxes, reducedShape } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { abs } from "../abs.js";
import { add } from "../add.js";
import { asFloat } from "../elementwise/float-kernels.js";
import { exp } from "../exp.js";
import { asTensor } from "../kernels.js";
import { log } from "../log.js";
import { max } from "../max.js";
import { reshape } from "../reshape.js";
import { sub } from "../sub.js";
import { sum } from "../sum.js";
import { where } from "../where.js";

/**
 * log Σ exp(x) over `axis`, computed as m + log Σ exp(x − m) with m = max(x) held constant
 * (the result does not depend on m, so its gradient is exactly softmax(x)). As in PyTorch,
 * a slice holding +∞ gives +∞, an all −∞ or empty slice gives −∞, and NaN propagates.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [2, 3], axis 1 → [2]
 * @example logsumexp(tensor([1000, 1000])) // tensor(1000.6931)
 */
export function logsumexp(
  x: TensorLike,
  axis?: number | readonly number[],
  keepDims = false,
): Tensor {
  const t = asFloat(asTensor(x));
  const axes = normalizeAxes("logsumexp", axis, t.shape);
  const reduced = reducedShape(t.shape, axes, keepDims);
  // An empty slice sums to 0 and has no maximum to shift by: log 0 = −∞.
  if (t.size === 0) return reshape(log(sum(exp(t), axes, true)), reduced);
  const m = max(t.detach(), axes, true);
  // An infinite maximum is no shift: x − ∞ would be NaN where x = ∞ (and where every x is
  // −∞). Unshifted, exp overflows to ∞ with a +∞ present (the sum is ∞ anyway) and the sum
  // of an all −∞ slice is 0, so log gives ±∞ as it should.
  const shift = where(abs(m).eq(Number.POSITIVE_INFINITY), 0, m);
  const result = add(log(sum(exp(sub(t, shift)), axes, true)), shift);
  return reshape(result, reduced);
}
