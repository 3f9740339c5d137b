import { ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { diagonal } from "./diagonal.js";
import { diagonalScatter } from "./diagonal-scatter.js";

/**
 * A vector becomes the square matrix with it on the k-th diagonal (zeros elsewhere); a
 * matrix gives its k-th diagonal as a vector. k > 0 is above the main diagonal, k < 0 below.
 * x: [N] → [N + |k|, N + |k|]; x: [M, N] → [the diagonal's length]
 * @example diag(tensor([1, 2])) // tensor([[1., 0.], [0., 2.]])
 */
export function diag(x: TensorLike, k = 0): Tensor {
  const t = asTensor(x);
  if (!Number.isInteger(k)) throw new ValueError("diag", `k must be an integer; got ${k}`);
  if (t.rank === 2) return diagonal(t, k, 0, 1);
  if (t.rank !== 1) {
    throw new ShapeError("diag", "expects a vector or a matrix", { x: t.shape }, `rank ${t.rank}`);
  }
  const n = t.shape[0]! + Math.abs(k);
  return diagonalScatter(t, [n, n], { offset: k, axis1: 0, axis2: 1 });
}
