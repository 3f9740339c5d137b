import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ValueError } from "../errors.js";
import { formatShape, normalizeAxes, reducedShape } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { add } from "./add.js";
import { argmax } from "./argmax.js";
import { broadcastTo } from "./broadcast-to.js";
import { eq, ne } from "./comparison.js";
import { div } from "./div.js";
import { asTensor, empty } from "./kernels.js";
import { mul } from "./mul.js";
import { reshape } from "./reshape.js";
import { scatterAdd } from "./scatter-add.js";
import type { ReduceAttrs } from "./sum.js";
import { sum } from "./sum.js";
import { where } from "./where.js";

/**
 * Where the gradient goes when several elements hold the maximum, following the PyTorch
 * function each call form stands for:
 * - "index": all of it to the element `argmax` picks, the first maximum (or first NaN), as
 *   `torch.max(x, dim)` does through the index it returns;
 * - "split": shared evenly among the maxima of each slice, as `torch.amax(x, dims)` does
 *   (a slice whose maximum is NaN gets NaN);
 * - "splitNaN": shared evenly, NaN counting as the maximum, as `torch.max(x)` does.
 */
type Ties = "index" | "split" | "splitNaN";

interface MaxAttrs extends ReduceAttrs {
  readonly ties: Ties;
}

const maxOp: OpSpec<MaxAttrs> = {
  name: "max",
  forward: ([x], { axes, keepDims }) => {
    if (axes.some((a) => x.shape[a] === 0)) {
      throw new ValueError("max", `cannot reduce an empty axis; got shape ${formatShape(x.shape)}`);
    }
    const out = empty(reducedShape(x.shape, axes, keepDims), x.dtype);
    getBackend().reduce("max", x.storage, x.shape, axes, out.storage);
    return out;
  },
  backward: (g, { inputs: [x], output, attrs: { axes, ties } }) => {
    const kept = reducedShape(x.shape, axes, true);
    // "index" reduces one axis (none for a 0-d x, whose argmax is 0).
    // d max x = g at argmax x, 0 elsewhere
    if (ties === "index") {
      return [scatterAdd(reshape(g, kept), axes[0] ?? 0, argmax(x, axes[0] ?? 0, true), x.shape)];
    }
    const m = reshape(output, kept);
    // 1{x = max}, or 1{x is NaN} where the maximum is NaN (NaN equals nothing)
    const isMax = ties === "splitNaN" ? add(eq(x, m), mul(ne(x, x), ne(m, m))) : eq(x, m);
    const mask = isMax.cast(g.dtype);
    // d max x = g·1{x = max} / #{x = max}
    const share = broadcastTo(div(reshape(g, kept), sum(mask, axes, true)), x.shape);
    // torch.max(x) fills the maxima with the share, torch.amax multiplies by the mask (which
    // differ only for an infinite or NaN g)
    return [ties === "splitNaN" ? where(isMax, share, 0) : mul(share, mask)];
  },
};

/**
 * Maximum over `axis` (one, several, or all when omitted); `keepDims` keeps reduced axes.
 * NaN propagates. At ties the gradient follows PyTorch: `max(x)` and `max(x, [axes])` share
 * it evenly among the maxima (`torch.max(x)`, `torch.amax`), `max(x, axis)` gives it all to
 * the first maximum, the index `argmax` returns (`torch.max(x, dim)`).
 * x: [2, 3], axis 1 → [2]
 * @example max(tensor([[1, 5], [3, 4]]), 1) // tensor([5., 4.])
 */
export function max(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  const ties: Ties = axis === undefined ? "splitNaN" : typeof axis === "number" ? "index" : "split";
  return applyOp(maxOp, [t], { axes: normalizeAxes("max", axis, t.shape), keepDims, ties });
}
