import type { Tensor, TensorLike } from "../../tensor.js";
import { logicalReduce, logicalReduceOp } from "./any.js";

const allOp = logicalReduceOp("all", "prod");

/**
 * Whether every element over `axis` is nonzero (one, several, or all axes when omitted), as a
 * bool tensor; true over an empty axis.
 * x: [2, 3], axis 1 → [2]
 * @example all(tensor([[1, 2], [0, 3]]), 1) // tensor([true, false], dtype=bool)
 */
export function all(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return logicalReduce(allOp, x, axis, keepDims);
}
