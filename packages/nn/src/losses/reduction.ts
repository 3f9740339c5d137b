import { checkOptions, type Tensor, ValueError } from "@tensortape/core";

/** How a loss combines its per-element values: their mean (default), their sum, or none. */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss takes. */
export interface LossOptions {
  /** How per-element losses combine. Default "mean". */
  readonly reduction?: Reduction;
}

const REDUCTIONS: readonly string[] = ["mean", "sum", "none"];

/**
 * Checks a loss's options before anything is computed: no unknown keys (a PyTorch option
 * this library lacks, or a misspelt one, would otherwise be ignored without a word and give a
 * different loss) and a known reduction. `known` lists the loss's other options; `reductions`
 * the reductions it accepts (KLDivLoss adds "batchmean"). Returns the reduction.
 */
export function lossOptions<R extends string = Reduction>(
  op: string,
  options: { readonly reduction?: R } | undefined,
  known: readonly string[] = [],
  reductions: readonly string[] = REDUCTIONS,
): R {
  checkOptions(op, options, ["reduction", ...known]);
  const reduction = options?.reduction ?? ("mean" as R);
  if (!reductions.includes(reduction)) {
    const expected = reductions.map((r) => JSON.stringify(r));
    throw new ValueError(
      op,
      `unknown reduction ${JSON.stringify(reduction)}; expected ${expected.slice(0, -1).join(", ")} or ${expected.at(-1)}`,
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
