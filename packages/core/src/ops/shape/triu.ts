import type { Tensor, TensorLike } from "../../tensor.js";
import { triangle } from "./tril.js";

/**
 * The upper triangle of the last two axes: elements with column − row ≥ k kept, the rest 0
 * (k = 0 the main diagonal, k > 0 above it, k < 0 below).
 * x: [..., M, N] → [..., M, N]
 * @example triu(tensor([[1, 2], [3, 4]])) // tensor([[1., 2.], [0., 4.]])
 */
export function triu(x: TensorLike, k = 0): Tensor {
  return triangle("triu", x, k);
}
