import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { isFloat } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, empty } from "../kernels.js";
import { flip } from "../shape/flip.js";
import { scanAxis, scanLayout } from "./scan-layout.js";

const cumsumOp: OpSpec<number> = {
  name: "cumsum",
  forward: ([x], axis) => {
    const out = empty(x.shape, isFloat(x.dtype) ? x.dtype : "int32");
    const { outer, axisLen, inner } = scanLayout(x.shape, axis);
    getBackend().scan("sum", x.storage, outer, axisLen, inner, out.storage, null);
    return out;
  },
  // d cumsum(x)_k = Σ_{j ≥ k} g_j: the running sum of g taken from the far end
  backward: (g, { attrs: axis }) => [reverseCumsum(g, axis)],
};

/** Σ_{j ≥ k} x_j along `axis` (a normalised axis): the running sum taken from the far end. */
export function reverseCumsum(x: Tensor, axis: number): Tensor {
  if (x.rank === 0) return cumsum(x, axis);
  return flip(cumsum(flip(x, axis), axis), axis);
}

/**
 * Running sum along `axis`: out[..., j, ...] = Σ_{i ≤ j} x[..., i, ...]. Integer and boolean
 * tensors sum to int32 (PyTorch: int64).
 * x: [...S] → [...S]
 * @example cumsum(tensor([1, 2, 3]), 0) // tensor([1., 3., 6.])
 */
export function cumsum(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x);
  return applyOp(cumsumOp, [t], scanAxis("cumsum", axis, t.shape));
}
