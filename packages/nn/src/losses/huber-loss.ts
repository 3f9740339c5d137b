import { type Tensor, where } from "@tensortape/core";
import { checkNumberOption, requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/** Options of `huberLoss` and `HuberLoss`. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear; > 0. Default 1. */
  readonly delta?: number;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedHuberLossOptions {
  readonly delta: number;
  readonly reduction: Reduction;
}

/** Checks huberLoss's options under the name `op` (the function's or the module's). */
export function huberLossOptions(
  op: string,
  options: HuberLossOptions | undefined,
): CheckedHuberLossOptions {
  const reduction = lossOptions(op, options, ["delta"]);
  const delta = checkNumberOption(
    op,
    "delta",
    options?.delta ?? 1,
    (v) => v > 0 && Number.isFinite(v),
    "a finite number > 0 (PyTorch rejects non-positive values)",
  );
  return { delta, reduction };
}

/**
 * Huber loss, as PyTorch's `huber_loss`: with d = input − target, 0.5·d² where |d| < δ and
 * δ·(|d| − 0.5·δ) elsewhere, so the gradient is d inside and δ·sign(d) outside. It is
 * δ·smoothL1Loss with β = δ. The shapes must be equal.
 * input: [...S], target: [...S] → [] (or [...S] with reduction "none")
 * @example huberLoss(tensor([0.5, 3]), tensor([0, 0]), { reduction: "none" }) // tensor([0.125, 2.5])
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  return huberLossWith("huberLoss", input, target, huberLossOptions("huberLoss", options));
}

/** huberLoss with checked options, naming `op` in errors (HuberLoss calls it too). */
export function huberLossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  { delta, reduction }: CheckedHuberLossOptions,
): Tensor {
  requireSameShape(op, input, target);
  const d = input.sub(target);
  const absolute = d.abs();
  const loss = where(absolute.lt(delta), d.square().mul(0.5), absolute.sub(0.5 * delta).mul(delta));
  return reduce(op, loss, reduction);
}
