import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, empty } from "../kernels.js";

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
  // CPU (a GPU backend will need a read-back at this point).
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
  const rank = t.rank;
  const out = empty([count, rank], "int32");
  const coords = out.data;
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
  return out;
}
