import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ShapeError } from "../errors.js";
import { broadcastsTo, checkShape, type Shape, shapesEqual, stridesOf } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, broadcastView, empty } from "./kernels.js";
import { sumTo } from "./sum-to.js";

const broadcastToOp: OpSpec<Shape> = {
  name: "broadcastTo",
  forward: ([x], shape) => {
    const out = empty(shape, x.dtype);
    getBackend().copy(
      broadcastView(x, shape),
      { data: out.storage, offset: 0, strides: stridesOf(shape) },
      shape,
    );
    return out;
  },
  // Each input element was copied to several outputs: its gradient is their sum.
  backward: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
};

/**
 * Repeats x along dimensions of size 1 (and new leading ones) to reach `shape`.
 * x: [3], shape [2, 3] → [2, 3]
 * @example broadcastTo(tensor([1, 2]), [2, 2]) // tensor([[1., 2.], [1., 2.]])
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  checkShape("broadcastTo", shape);
  if (!broadcastsTo(t.shape, shape)) {
    throw new ShapeError("broadcastTo", "cannot broadcast to the requested shape", {
      x: t.shape,
      shape,
    });
  }
  if (shapesEqual(t.shape, shape)) return t;
  return applyOp(broadcastToOp, [t], [...shape]);
}
