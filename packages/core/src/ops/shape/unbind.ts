import { ShapeError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { sliceAxis } from "./slice-axis.js";

/**
 * The slices of x along `axis`, each without that axis.
 * x: [3, 2], axis 0 → three [2] tensors
 * @example unbind(tensor([[1, 2], [3, 4]])) // [tensor([1., 2.]), tensor([3., 4.])]
 */
export function unbind(x: TensorLike, axis = 0): Tensor[] {
  const t = asTensor(x);
  // A 0-d tensor has no axis to take slices along: PyTorch rejects it whatever the axis.
  if (t.rank === 0) {
    throw new ShapeError("unbind", "expects a tensor of at least one dimension", { x: t.shape });
  }
  const ax = normalizeAxis("unbind", axis, t.shape);
  const rest = t.shape.filter((_, d) => d !== ax);
  return Array.from({ length: t.shape[ax]! }, (_, i) => reshape(sliceAxis(t, ax, i, i + 1), rest));
}
