import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { AxisError, ShapeError, ValueError } from "../../errors.js";
import { normalizeAxis, type Shape, stridesOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, contiguousView, empty } from "../kernels.js";
import { diagonalScatter } from "./diagonal-scatter.js";

/** Which diagonal: `offset` above (> 0) or below (< 0) the main one, of the plane (axis1, axis2). */
export interface DiagonalSpec {
  readonly offset: number;
  readonly axis1: number;
  readonly axis2: number;
}

/**
 * Where the diagonal of a contiguous array of `shape` lies, as a strided view: the other axes
 * in order, then the diagonal itself, whose stride steps along both of its axes at once.
 */
export function diagonalLayout(
  shape: Shape,
  { offset, axis1, axis2 }: DiagonalSpec,
): { offset: number; strides: number[]; shape: number[] } {
  const strides = stridesOf(shape);
  const length = Math.max(
    0,
    offset >= 0
      ? Math.min(shape[axis1]!, shape[axis2]! - offset)
      : Math.min(shape[axis1]! + offset, shape[axis2]!),
  );
  const start =
    length === 0 ? 0 : offset >= 0 ? offset * strides[axis2]! : -offset * strides[axis1]!;
  const others = shape.flatMap((_, d) => (d === axis1 || d === axis2 ? [] : [d]));
  return {
    offset: start,
    strides: [...others.map((d) => strides[d]!), strides[axis1]! + strides[axis2]!],
    shape: [...others.map((d) => shape[d]!), length],
  };
}

const diagonalOp: OpSpec<DiagonalSpec> = {
  name: "diagonal",
  forward: ([x], spec) => {
    const view = diagonalLayout(x.shape, spec);
    const out = empty(view.shape, x.dtype);
    getBackend().copy({ data: x.storage, ...view }, contiguousView(out), view.shape);
    return out;
  },
  // d diagonal(x) = g written back onto the diagonal of zeros
  backward: (g, { inputs: [x], attrs }) => [diagonalScatter(g, x.shape, attrs)],
};

/** The op behind `diagonal` and the gradient of `diagonalScatter`, on a checked spec. */
export function diagonalWith(x: Tensor, spec: DiagonalSpec): Tensor {
  return applyOp(diagonalOp, [x], spec);
}

/**
 * The diagonal of the plane (axis1, axis2), `offset` above (> 0) or below (< 0) the main
 * one. Those two axes are removed and the diagonal appended as the last; copies.
 * x: [2, 3, 4], axis1 1, axis2 2 → [2, 3]
 * @example diagonal(tensor([[1, 2], [3, 4]])) // tensor([1., 4.])
 */
export function diagonal(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const t = asTensor(x);
  if (t.rank < 2) {
    throw new ShapeError("diagonal", "needs at least two dimensions", { x: t.shape });
  }
  if (!Number.isInteger(offset)) {
    throw new ValueError("diagonal", `offset must be an integer; got ${offset}`);
  }
  const a1 = normalizeAxis("diagonal", axis1, t.shape);
  const a2 = normalizeAxis("diagonal", axis2, t.shape);
  if (a1 === a2) {
    throw new AxisError("diagonal", axis2, t.shape, `axis1 and axis2 must differ; both are ${a1}`);
  }
  return diagonalWith(t, { offset, axis1: a1, axis2: a2 });
}
