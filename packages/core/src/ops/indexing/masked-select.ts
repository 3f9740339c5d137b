import { broadcastShapes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { gather } from "../gather.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { requireBoolMask } from "./masked-fill.js";
import { nonzeroOf } from "./nonzero.js";

function maskedSelectPlan(x: TensorLike, mask: Tensor): HostPlan<Tensor> {
  const t = asTensor(x);
  requireBoolMask("maskedSelect", mask);
  const shape = broadcastShapes("maskedSelect", t.shape, mask.shape);
  // The flattened broadcast mask is the one tensor read on the host: how many of its
  // elements are true decides the output's shape.
  const m = broadcastTo(mask, shape);
  const flatMask = reshape(m, [m.size]);
  return {
    reads: [flatMask],
    finish: ([data]) => {
      // The flat positions of the true elements.
      const positions = reshape(nonzeroOf(flatMask, data!), [-1]);
      const flat = reshape(broadcastTo(t, shape), [m.size]);
      // d maskedSelect(x) = g scattered back to the selected positions (gather's adjoint)
      return gather(flat, 0, positions);
    },
  };
}

/**
 * The elements of `x` where `mask` is true, as a 1-d tensor in row-major order; x and mask
 * broadcast together (PyTorch's `masked_select`). The gradient puts g back at the selected
 * positions, zeros elsewhere (summed over broadcast dimensions). The mask decides the output's
 * shape, so a GPU mask is read back at once; on a browser's main thread, which may not wait,
 * use `maskedSelectAsync`.
 * x: [N, C], mask: [N, C] → [K] for K true elements
 * @example maskedSelect(tensor([1, 2, 3]), tensor([1, 0, 1], { dtype: "bool" })) // tensor([1., 3.])
 */
export function maskedSelect(x: TensorLike, mask: Tensor): Tensor {
  return finishNow("maskedSelect", "maskedSelectAsync", maskedSelectPlan(x, mask));
}

/**
 * `maskedSelect` that awaits the mask's data instead of blocking for it, so it works on GPU
 * tensors on a browser's main thread (TF.js's `booleanMaskAsync`). Same result and gradient
 * as `maskedSelect`.
 * x: [N, C], mask: [N, C] → [K] for K true elements
 * @example await maskedSelectAsync(tensor([1, 2, 3]), tensor([1, 0, 1], { dtype: "bool" })) // tensor([1., 3.])
 */
export async function maskedSelectAsync(x: TensorLike, mask: Tensor): Promise<Tensor> {
  return finishLater(maskedSelectPlan(x, mask));
}
