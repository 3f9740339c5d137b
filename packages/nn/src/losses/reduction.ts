import { checkOptions, type Tensor, ValueError } from "@tensortape/core";

/** How a loss combines its per-element values: their mean (default), their sum, or none. */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss takes. */
export interface LossOptions {
  readonly reduction?: Reduction;
}

/**
 * Checks a loss's options before anything is computed: no unknown keys (PyTorch options this
 * library lacks, such as `ignoreIndex` or `labelSmoothing`, would otherwise be ignored without
 * a word and give a different loss), and a known reduction. Returns the reduction.
 */
export function lossOptions(op: string, options: LossOptions): Reduction {
  checkOptions(op, options, ["reduction"]);
  const reduction = options?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new ValueError(
      op,
      `unknown reduction ${JSON.stringify(reduction)}; expected "mean", "sum" or "none"`,
    );
  }
  return reduction;
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
