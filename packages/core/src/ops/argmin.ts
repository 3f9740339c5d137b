import type { Tensor, TensorLike } from "../tensor.js";
import { argminOp, argReduce } from "./argmax.js";

/**
 * Index of the smallest element along `axis` (of the flattened tensor when omitted), as int32.
 * Ties pick the first. Carries no gradient.
 * @example argmin(tensor([[1, 5], [4, 3]]), 1) // tensor([0, 1], dtype=int32)
 */
export function argmin(x: TensorLike, axis?: number, keepDims = false): Tensor {
  return argReduce(argminOp, x, axis, keepDims);
}
