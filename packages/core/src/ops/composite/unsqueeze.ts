import { AxisError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Inserts an axis of size 1 at `axis` (in the output's numbering; negative counts from the end).
 * x: [2, 3], axis 1 → [2, 1, 3]
 */
export function unsqueeze(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x);
  const rank = t.rank + 1;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new AxisError("unsqueeze", axis, t.shape);
  const at = axis < 0 ? axis + rank : axis;
  const shape = [...t.shape];
  shape.splice(at, 0, 1);
  return reshape(t, shape);
}
