import { normalizeAxes, reducedShape } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
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
 * (the result does not depend on m, so its gradient is exactly softmax(x)).
 * @example logsumexp(tensor([1000, 1000])) // tensor(1000.6931)
 */
export function logsumexp(
  x: TensorLike,
  axis?: number | readonly number[],
  keepDims = false,
): Tensor {
  const t = asTensor(x);
  const axes = normalizeAxes("logsumexp", axis, t.shape);
  const m = max(t.detach(), axes, true);
  // An all -Infinity slice has no finite maximum; shifting it by 0 keeps the result -Infinity.
  const shift = where(m.eq(Number.NEGATIVE_INFINITY), 0, m);
  const result = add(log(sum(exp(sub(t, shift)), axes, true)), shift);
  return keepDims ? result : reshape(result, reducedShape(t.shape, axes, false));
}
