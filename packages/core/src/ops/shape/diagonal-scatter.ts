import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { contiguousView, empty } from "../kernels.js";
import { type DiagonalSpec, diagonalLayout, diagonalWith } from "./diagonal.js";

interface DiagonalScatterAttrs extends DiagonalSpec {
  readonly shape: Shape;
}

const diagonalScatterOp: OpSpec<DiagonalScatterAttrs> = {
  name: "diagonalScatter",
  forward: ([x], attrs) => {
    const out = empty(attrs.shape, x.dtype);
    const view = diagonalLayout(attrs.shape, attrs);
    getBackend().copy(contiguousView(x), { data: out.storage, ...view }, view.shape);
    return out;
  },
  // d diagonalScatter(x) = the same diagonal of g
  backward: (g, { attrs: { offset, axis1, axis2 } }) => [diagonalWith(g, { offset, axis1, axis2 })],
};

/**
 * A zero tensor of `shape` with x written onto the diagonal `spec` names: the transpose of
 * `diagonal`, its gradient, and `diag` of a vector. x has the diagonal's shape.
 */
export function diagonalScatter(x: Tensor, shape: Shape, spec: DiagonalSpec): Tensor {
  return applyOp(diagonalScatterOp, [x], { ...spec, shape: [...shape] });
}
