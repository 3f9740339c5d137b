import { ValueError } from "../../errors.js";
import { formatShape, normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { abs } from "../abs.js";
import { add } from "../add.js";
import { cast } from "../cast.js";
import { eq, ne } from "../comparison.js";
import { min } from "../composite/min.js";
import { asTensor, empty, requireFloat } from "../kernels.js";
import { max } from "../max.js";
import { mul } from "../mul.js";
import { pow } from "../pow.js";
import { sum } from "../sum.js";
import { where } from "../where.js";
import { sqrtZeroSafe } from "./std.js";

/** The orders `norm` takes: any number (±Infinity included), or "fro" for the 2-norm. */
export type NormOrder = number | "fro";

/**
 * |x|^p elementwise for a general order p, with gradient 0 at x = 0 (for p < 1 the true
 * derivative is infinite there; PyTorch's norm_backward masks it to 0 too). pow only ever
 * sees nonzero values; the zeros take 0^p directly (0, or ∞ for p < 0).
 */
function absPow(x: Tensor, p: number): Tensor {
  const a = abs(x);
  const zero = eq(a, 0);
  return where(zero, 0 ** p, pow(where(zero, 1, a), p));
}

/**
 * The vector p-norm of x over `axis` (one, several, or all when omitted), as PyTorch's
 * `torch.norm` with a numeric p (`linalg.vector_norm`): (Σ |x|^p)^(1/p); p = ∞ the largest
 * |x|, −∞ the smallest, 0 the count of nonzeros, "fro" the 2-norm. Float tensors only.
 * The gradient at a zero norm is 0, as in PyTorch.
 * x: [2, 3], p 2, axis 1 → [2]
 * @example norm(tensor([3, 4])) // tensor(5.)
 */
export function norm(
  x: TensorLike,
  p: NormOrder = 2,
  axis?: number | readonly number[],
  keepDims = false,
): Tensor {
  const t = asTensor(x);
  requireFloat("norm", t);
  if (p !== "fro" && (typeof p !== "number" || Number.isNaN(p))) {
    throw new ValueError(
      "norm",
      `p must be a number (±Infinity included) or "fro"; got ${String(p)}`,
    );
  }
  const axes = normalizeAxes("norm", axis, t.shape);
  const order = p === "fro" ? 2 : p;
  if (order === 2) return sqrtZeroSafe(sum(mul(t, t), axes, keepDims));
  if (order === 1) return sum(abs(t), axes, keepDims);
  if (order === Number.POSITIVE_INFINITY || order === Number.NEGATIVE_INFINITY) {
    if (axes.some((a) => t.shape[a] === 0)) {
      throw new ValueError(
        "norm",
        `cannot take the ${order > 0 ? "" : "−"}∞-norm over an empty axis; got shape ${formatShape(t.shape)}`,
        "the maximum of nothing is undefined; p = 2 or 1 give 0 there",
      );
    }
    return order > 0 ? max(abs(t), axes, keepDims) : min(abs(t), axes, keepDims);
  }
  if (order === 0) {
    const count = sum(cast(ne(t, 0), t.dtype), axes, keepDims);
    // The count is flat in x: it stays on the tape, with gradient 0, as in PyTorch.
    const never = empty(t.shape, "bool");
    return add(count, sum(where(never, t, 0), axes, keepDims));
  }
  const total = sum(absPow(t, order), axes, keepDims);
  const zero = eq(total, 0);
  return where(zero, 0 ** (1 / order), pow(where(zero, 1, total), 1 / order));
}
