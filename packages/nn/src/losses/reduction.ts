import { type Tensor, ValueError } from "@tensortape/core";

/** How a loss combines its per-element values: their mean (default), their sum, or none. */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss takes. */
export interface LossOptions {
  readonly reduction?: Reduction;
}

/** Applies `reduction` to per-element losses. */
export function reduce(op: string, loss: Tensor, reduction: Reduction = "mean"): Tensor {
  switch (reduction) {
    case "mean":
      return loss.mean();
    case "sum":
      return loss.sum();
    case "none":
      return loss;
    default:
      throw new ValueError(
        op,
        `unknown reduction "${String(reduction)}"; expected "mean", "sum" or "none"`,
      );
  }
}
