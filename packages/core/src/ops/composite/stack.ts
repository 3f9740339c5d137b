import { ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { concat } from "../concat.js";
import { asTensor } from "../kernels.js";
import { unsqueeze } from "./unsqueeze.js";

/**
 * Joins tensors of one shape along a new axis.
 * three [2, 3] tensors, axis 0 → [3, 2, 3]
 * @example stack([tensor([1, 2]), tensor([3, 4])]) // tensor([[1., 2.], [3., 4.]])
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("stack", "needs at least one tensor");
  return concat(
    tensors.map((t) => unsqueeze(asTensor(t), axis)),
    axis,
  );
}
