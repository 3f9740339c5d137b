import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { isFloat } from "../dtype.js";
import { normalizeAxes, reducedShape } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { broadcastTo } from "./broadcast-to.js";
import { asTensor, empty } from "./kernels.js";
import { reshape } from "./reshape.js";

export interface ReduceAttrs {
  /** Sorted, normalised axes to reduce. */
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

const sumOp: OpSpec<ReduceAttrs> = {
  name: "sum",
  forward: ([x], { axes, keepDims }) => {
    const out = empty(reducedShape(x.shape, axes, keepDims), isFloat(x.dtype) ? x.dtype : "int32");
    getBackend().reduce("sum", x.storage, x.shape, axes, out.storage);
    return out;
  },
  // d Σ_axes x = g, copied back along every summed axis
  backward: (g, { inputs: [x], attrs: { axes } }) => [
    broadcastTo(reshape(g, reducedShape(x.shape, axes, true)), x.shape),
  ],
};

/**
 * Sum over `axis` (one, several, or all when omitted); `keepDims` keeps reduced axes as 1.
 * x: [2, 3], axis 1 → [2] (or [2, 1] with keepDims)
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // tensor([4., 6.])
 */
export function sum(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  return applyOp(sumOp, [t], { axes: normalizeAxes("sum", axis, t.shape), keepDims });
}
