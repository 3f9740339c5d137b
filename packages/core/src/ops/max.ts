import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ValueError } from "../errors.js";
import { formatShape, normalizeAxes, reducedShape } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { broadcastTo } from "./broadcast-to.js";
import { eq } from "./comparison.js";
import { div } from "./div.js";
import { asTensor, empty } from "./kernels.js";
import { mul } from "./mul.js";
import { reshape } from "./reshape.js";
import type { ReduceAttrs } from "./sum.js";
import { sum } from "./sum.js";

const maxOp: OpSpec<ReduceAttrs> = {
  name: "max",
  forward: ([x], { axes, keepDims }) => {
    if (axes.some((a) => x.shape[a] === 0)) {
      throw new ValueError("max", `cannot reduce an empty axis; got shape ${formatShape(x.shape)}`);
    }
    const out = empty(reducedShape(x.shape, axes, keepDims), x.dtype);
    getBackend().reduce("max", x.data, x.shape, axes, out.data);
    return out;
  },
  // d max x = g·1{x = max} / #{x = max}: ties share the gradient evenly, as in PyTorch's amax
  backward: (g, { inputs: [x], output, attrs: { axes } }) => {
    const kept = reducedShape(x.shape, axes, true);
    const isMax = eq(x, reshape(output, kept)).cast(g.dtype);
    const share = div(isMax, sum(isMax, axes, true));
    return [mul(broadcastTo(reshape(g, kept), x.shape), share)];
  },
};

/**
 * Maximum over `axis` (one, several, or all when omitted); `keepDims` keeps reduced axes.
 * x: [2, 3], axis 1 → [2]
 * @example max(tensor([[1, 5], [3, 4]]), 1) // tensor([5., 4.])
 */
export function max(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  return applyOp(maxOp, [t], { axes: normalizeAxes("max", axis, t.shape), keepDims });
}
