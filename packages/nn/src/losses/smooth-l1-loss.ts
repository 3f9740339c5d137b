import { type Tensor, where } from "@tensortape/core";
import { checkNumberOption, requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/** Options of `smoothL1Loss` and `SmoothL1Loss`. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear; ≥ 0, and 0 gives l1Loss. Default 1. */
  readonly beta?: number;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedSmoothL1LossOptions {
  readonly beta: number;
  readonly reduction: Reduction;
}

/** Checks smoothL1Loss's options under the name `op` (the function's or the module's). */
export function smoothL1LossOptions(
  op: string,
  options: SmoothL1LossOptions | undefined,
): CheckedSmoothL1LossOptions {
  const reduction = lossOptions(op, options, ["beta"]);
  const beta = checkNumberOption(
    op,
    "beta",
    options?.beta ?? 1,
    (v) => v >= 0 && Number.isFinite(v),
    "a finite number ≥ 0 (PyTorch rejects negative values)",
  );
  return { beta, reduction };
}

/**
 * Smooth L1 loss, as PyTorch's `smooth_l1_loss`: with d = input − target, 0.5·d²/β where
 * |d| < β and |d| − 0.5·β elsewhere, so the gradient is d/β inside and sign(d) outside,
 * continuous at |d| = β. β = 0 is exactly l1Loss (the quadratic piece vanishes). The shapes
 * must be equal.
 * input: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example smoothL1Loss(tensor([0.5, 3]), tensor([0, 0]), { reduction: "none" }) // tensor([0.125, 2.5])
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1LossOptions = {},
): Tensor {
  return smoothL1LossWith(
    "smoothL1Loss",
    input,
    target,
    smoothL1LossOptions("smoothL1Loss", options),
  );
}

/** smoothL1Loss with checked options, naming `op` in errors (SmoothL1Loss calls it too). */
export function smoothL1LossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  { beta, reduction }: CheckedSmoothL1LossOptions,
): Tensor {
  requireSameShape(op, input, target);
  const d = input.sub(target);
  const absolute = d.abs();
  // β = 0 leaves only the linear piece; computing d²/0 in the unused branch would put 0·∞ = NaN
  // into the gradient.
  if (beta === 0) return reduce(op, absolute, reduction);
  const loss = where(absolute.lt(beta), d.square().mul(0.5 / beta), absolute.sub(0.5 * beta));
  return reduce(op, loss, reduction);
}
