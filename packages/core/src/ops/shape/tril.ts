import { arange } from "../../creation.js";
import { ShapeError, ValueError } from "../../errors.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { ge, le } from "../comparison.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { sub } from "../sub.js";
import { where } from "../where.js";

/**
 * Keeps the elements of the last two axes on one side of the k-th diagonal (column − row ≤ k
 * for the lower triangle, ≥ k for the upper) and zeroes the rest, through `where`, whose rule
 * masks the gradient the same way.
 */
export function triangle(op: "tril" | "triu", x: TensorLike, k: number): Tensor {
  const t = asTensor(x);
  if (t.rank < 2) {
    throw new ShapeError(
      op,
      "needs at least two dimensions",
      { x: t.shape },
      "it masks the last two axes",
    );
  }
  if (!Number.isInteger(k)) throw new ValueError(op, `the diagonal k must be an integer; got ${k}`);
  const rows = t.shape[t.rank - 2]!;
  const cols = t.shape[t.rank - 1]!;
  const on = { device: t.device };
  const offset = sub(arange(0, cols, 1, on), reshape(arange(0, rows, 1, on), [rows, 1]));
  const keep = op === "tril" ? le(offset, k) : ge(offset, k);
  const kept = where(keep, t, Tensor.scalar(0, t.dtype));
  // where computes booleans as int32; the mask changes no dtype.
  return kept.dtype === t.dtype ? kept : cast(kept, t.dtype);
}

/**
 * The lower triangle of the last two axes: elements with column − row ≤ k kept, the rest 0
 * (k = 0 the main diagonal, k > 0 above it, k < 0 below).
 * x: [..., M, N] → [..., M, N]
 * @example tril(tensor([[1, 2], [3, 4]])) // tensor([[1., 0.], [3., 4.]])
 */
export function tril(x: TensorLike, k = 0): Tensor {
  return triangle("tril", x, k);
}
