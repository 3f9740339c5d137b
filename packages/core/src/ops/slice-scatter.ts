import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import type { Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { contiguousView, empty } from "./kernels.js";
import { type SliceSpec, sliceLayout, sliceWith } from "./slice.js";

interface SliceScatterAttrs {
  readonly shape: Shape;
  readonly spec: SliceSpec;
}

const sliceScatterOp: OpSpec<SliceScatterAttrs> = {
  name: "sliceScatter",
  forward: ([x], { shape, spec }) => {
    const out = empty(shape, x.dtype);
    getBackend().copy(
      contiguousView(x),
      { data: out.storage, ...sliceLayout(shape, spec) },
      spec.shape,
    );
    return out;
  },
  // d sliceScatter(x) = the same region of g
  backward: (g, { attrs: { spec } }) => [sliceWith(g, spec)],
};

/**
 * A zero tensor of `shape` with x written into the region `spec` selects: the transpose of
 * `slice`, and its gradient.
 */
export function sliceScatter(x: Tensor, shape: Shape, spec: SliceSpec): Tensor {
  return applyOp(sliceScatterOp, [x], { shape, spec });
}
