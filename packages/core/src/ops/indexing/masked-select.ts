import { broadcastShapes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { gather } from "../gather.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { requireBoolMask } from "./masked-fill.js";
import { nonzero } from "./nonzero.js";

/**
 * The elements of `x` where `mask` is true, as a 1-d tensor in row-major order; x and mask
 * broadcast together (PyTorch's `masked_select`). The gradient puts g back at the selected
 * positions, zeros elsewhere (summed over broadcast dimensions).
 * x: [N, C], mask: [N, C] → [K] for K true elements
 * @example maskedSelect(tensor([1, 2, 3]), tensor([1, 0, 1], { dtype: "bool" })) // tensor([1., 3.])
 */
export function maskedSelect(x: TensorLike, mask: Tensor): Tensor {
  const t = asTensor(x);
  requireBoolMask("maskedSelect", mask);
  const shape = broadcastShapes("maskedSelect", t.shape, mask.shape);
  const m = broadcastTo(mask, shape);
  // The flat positions of the true elements: nonzero of the flattened mask, whose read-back
  // (the count decides the output's shape) is the one place that needs the data on the CPU.
  const positions = reshape(nonzero(reshape(m, [m.size])), [-1]);
  const flat = reshape(broadcastTo(t, shape), [m.size]);
  // d maskedSelect(x) = g scattered back to the selected positions (gather's adjoint)
  return gather(flat, 0, positions);
}
