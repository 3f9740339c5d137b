import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Merges the axes from `startAxis` to `endAxis` (inclusive) into one.
 * x: [N, 28, 28], startAxis 1 → [N, 784]
 */
export function flatten(x: TensorLike, startAxis = 0, endAxis = -1): Tensor {
  const t = asTensor(x);
  const start = normalizeAxis("flatten", startAxis, t.shape);
  const end = normalizeAxis("flatten", endAxis, t.shape);
  // A 0-d tensor flattens to one element; its axes can only be 0 or -1 (normalizeAxis).
  if (t.rank === 0) return reshape(t, [1]);
  if (start > end) return t;
  const merged = t.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return reshape(t, [...t.shape.slice(0, start), merged, ...t.shape.slice(end + 1)]);
}
