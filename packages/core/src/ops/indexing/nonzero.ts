import type { TypedArray } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import { asTensor, fromHost, onDevice } from "../kernels.js";

/**
 * The coordinates of the nonzero elements of `t`, whose elements are `data`: how many there
 * are decides the output's shape, so they are found on the host (read back from a device),
 * and the coordinates go to t's device.
 */
export function nonzeroOf(t: Tensor, data: TypedArray): Tensor {
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
  const rank = t.rank;
  const coords = new Int32Array(count * rank);
  let row = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) continue;
    let rest = i;
    for (let d = rank - 1; d >= 0; d--) {
      const n = t.shape[d]!;
      coords[row * rank + d] = rest % n;
      rest = Math.floor(rest / n);
    }
    row++;
  }
  return onDevice(t.device, () => fromHost("nonzero", coords, [count, rank], "int32"));
}

function nonzeroPlan(x: TensorLike): HostPlan<Tensor> {
  const t = asTensor(x);
  return { reads: [t], finish: ([data]) => nonzeroOf(t, data!) };
}

/**
 * The positions of the nonzero elements of `x` (NaN counts as nonzero), one row of
 * coordinates per element in row-major order, as int32 (PyTorch's `nonzero`). Carries no
 * gradient. The count decides the output's shape, so a GPU tensor's data is read back at
 * once; on a browser's main thread, which may not wait, use `nonzeroAsync`.
 * x: [N, C] → [K, 2] (int32) for K nonzero elements
 * @example nonzero(tensor([[0, 3], [4, 0]])) // tensor([[0, 1], [1, 0]], dtype=int32)
 */
export function nonzero(x: TensorLike): Tensor {
  return finishNow("nonzero", "nonzeroAsync", nonzeroPlan(x));
}

/**
 * `nonzero` that awaits x's data instead of blocking for it, so it works on a GPU tensor on a
 * browser's main thread (TF.js's `whereAsync`). Same result as `nonzero`.
 * x: [N, C] → [K, 2] (int32) for K nonzero elements
 * @example await nonzeroAsync(tensor([[0, 3], [4, 0]])) // tensor([[0, 1], [1, 0]], dtype=int32)
 */
export async function nonzeroAsync(x: TensorLike): Promise<Tensor> {
  return finishLater(nonzeroPlan(x));
}
