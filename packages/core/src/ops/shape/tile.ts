import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { repeat } from "./repeat.js";

/**
 * Tiles x `reps[d]` times along each axis, as `repeat` does, except that a `reps` shorter
 * than x's rank is padded with leading 1s (NumPy's and PyTorch's `tile`).
 * x: [2, 3], reps [2] → [2, 6]
 * @example tile(tensor([[1, 2]]), [2]) // tensor([[1., 2., 1., 2.]])
 */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  const t = asTensor(x);
  const padded = [...new Array<number>(Math.max(0, t.rank - reps.length)).fill(1), ...reps];
  return repeat(t, padded);
}
