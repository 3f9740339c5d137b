import { checkOptions, ValueError } from "../../errors.js";
import { normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mean } from "../composite/mean.js";
import { div } from "../div.js";
import { asTensor, requireFloat } from "../kernels.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { sum } from "../sum.js";

/** Options of `var` and `std`. */
export interface VarianceOptions {
  /**
   * Subtracted from the element count N in the divisor: 1 (the default, Bessel's correction)
   * for the unbiased sample variance, 0 for the population variance.
   */
  readonly correction?: number;
  /** Keep the reduced axes as size 1. Default false. */
  readonly keepDims?: boolean;
}

/**
 * Σ (x − mean)² / max(0, N − correction), differentiated through the composition (the mean's
 * own gradient sums to zero, leaving PyTorch's 2(x − mean)/(N − correction)). Shared by `var`
 * and `std`, which name themselves in errors.
 */
export function varianceOf(
  op: string,
  x: TensorLike,
  axis: number | readonly number[] | undefined,
  options: VarianceOptions,
): Tensor {
  checkOptions(op, options, ["correction", "keepDims"]);
  const t = asTensor(x);
  requireFloat(op, t);
  const correction = options.correction ?? 1;
  if (typeof correction !== "number" || !Number.isFinite(correction)) {
    throw new ValueError(op, `correction must be a finite number; got ${String(correction)}`);
  }
  const axes = normalizeAxes(op, axis, t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
  const centered = sub(t, mean(t, axes, true));
  // N ≤ correction divides by 0, giving NaN or ∞ as in PyTorch.
  return div(
    sum(mul(centered, centered), axes, options.keepDims ?? false),
    Math.max(0, count - correction),
  );
}

/**
 * Variance over `axis` (one, several, or all when omitted) with `correction` subtracted from
 * the count (default 1: the unbiased sample variance). Float tensors only. Exported as `var`.
 * x: [2, 3], axis 1 → [2]
 * @example variance(tensor([1, 2, 3, 4])) // tensor(1.6667), with import { var as variance }
 */
export function variance(
  x: TensorLike,
  axis?: number | readonly number[],
  options: VarianceOptions = {},
): Tensor {
  return varianceOf("var", x, axis, options);
}
