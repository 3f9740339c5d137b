import { broadcastShapes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { gather } from "../gather.js";
import { asTensor, empty } from "../kernels.js";
import { reshape } from "../reshape.js";
import { requireBoolMask } from "./masked-fill.js";

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
  // The number of true elements decides the output's shape, so the mask is read here on the
  // CPU (a GPU backend will need a read-back at this point).
  let count = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i]) count++;
  const positions = empty([count], "int32");
  for (let i = 0, k = 0; i < m.data.length; i++) if (m.data[i]) positions.data[k++] = i;
  const flat = reshape(broadcastTo(t, shape), [m.size]);
  // d maskedSelect(x) = g scattered back to the selected positions (gather's adjoint)
  return gather(flat, 0, positions);
}
