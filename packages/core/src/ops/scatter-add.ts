import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ShapeError } from "../errors.js";
import { checkShape, normalizeAxis, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { checkIndex, gather, gatherLayout } from "./gather.js";
import { empty } from "./kernels.js";

interface ScatterAddAttrs {
  readonly axis: number;
  readonly shape: Shape;
}

const scatterAddOp: OpSpec<ScatterAddAttrs> = {
  name: "scatterAdd",
  forward: ([src, index], { axis, shape }) => {
    const out = empty(shape, src.dtype);
    const { outer, axisLen, indexLen, inner } = gatherLayout(shape, index.shape, axis);
    getBackend().scatterAdd(
      src.storage,
      index.storage,
      out.storage,
      outer,
      axisLen,
      indexLen,
      inner,
    );
    return out;
  },
  // d scatterAdd(src) = g read back from where each element was added: a gather
  backward: (g, { inputs: [, index], attrs: { axis } }) => [gather(g, axis, index), null],
};

/**
 * A zero tensor of `shape` into which each element of `src` is added at the position that
 * `index` names along `axis`: out[i][index[i][j]] += src[i][j] for axis 1. The transpose
 * of `gather`, and its gradient.
 * src: [N, K], index: [N, K], shape [N, C] → [N, C]
 */
export function scatterAdd(src: Tensor, axis: number, index: Tensor, shape: Shape): Tensor {
  checkShape("scatterAdd", shape);
  const ax = normalizeAxis("scatterAdd", axis, shape);
  checkIndex("scatterAdd", shape, ax, index);
  if (src.rank !== index.rank || src.shape.some((d, k) => d !== index.shape[k])) {
    throw new ShapeError("scatterAdd", "src and index must have the same shape", {
      src: src.shape,
      index: index.shape,
    });
  }
  return applyOp(scatterAddOp, [src, index], { axis: ax, shape: [...shape] });
}

/**
 * @internal `scatterAdd` for indices a kernel produced, in range by construction (the
 * positions of window maxima): the same op, without reading every index back to check it.
 */
export function scatterAddAt(src: Tensor, axis: number, index: Tensor, shape: Shape): Tensor {
  return applyOp(scatterAddOp, [src, index], { axis, shape: [...shape] });
}
