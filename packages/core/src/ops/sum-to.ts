import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { isFloat } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { broadcastsTo, type Shape, shapesEqual } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { broadcastTo } from "./broadcast-to.js";
import { empty } from "./kernels.js";

const sumToOp: OpSpec<Shape> = {
  name: "sumTo",
  forward: ([x], shape) => {
    // Sum the leading axes that `shape` lacks and the axes where it has a 1.
    const offset = x.rank - shape.length;
    const axes = x.shape.map((_, d) => d).filter((d) => d < offset || shape[d - offset] === 1);
    // Bools count as integers, as sum's do: a sum of bools is no bool.
    const out = empty(shape, isFloat(x.dtype) ? x.dtype : "int32");
    getBackend().reduce("sum", x.storage, x.shape, axes, out.storage);
    return out;
  },
  // d sumTo(x) = g broadcast back to x's shape
  backward: (g, { inputs: [x] }) => [broadcastTo(g, x.shape)],
};

/**
 * Sums x down to `shape`, the inverse of broadcasting: the engine uses it to bring a
 * broadcast gradient back to its input's shape. int32 and bool sum to int32, as `sum`.
 * x: [4, 2, 3], shape [2, 1] → [2, 1]
 */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (!broadcastsTo(shape, x.shape)) {
    throw new ShapeError("sumTo", "the target shape must broadcast to the input's", {
      x: x.shape,
      shape,
    });
  }
  return applyOp(sumToOp, [x], [...shape]);
}
