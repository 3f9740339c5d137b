import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, fromHost, onDevice } from "../kernels.js";

/**
 * The positions of the nonzero elements of `x` (NaN counts as nonzero), one row of
 * coordinates per element in row-major order, as int32 (PyTorch's `nonzero`). Carries no
 * gradient.
 * x: [N, C] → [K, 2] (int32) for K nonzero elements
 * @example nonzero(tensor([[0, 3], [4, 0]])) // tensor([[0, 1], [1, 0]], dtype=int32)
 */
export function nonzero(x: TensorLike): Tensor {
  const t = asTensor(x);
  const data = t.data;
  // How many elements are nonzero decides the output's shape, so the data is read here on the
  // CPU (read back from a device), and the coordinates go to x's device.
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
