import { applyOp, type OpSpec } from "../autograd/apply.js";
import { ShapeError } from "../errors.js";
import { checkShape, type Shape, sizeOf } from "../shape.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { asTensor } from "./kernels.js";

/** Resolves one -1 in `shape` from the element count, and checks the count matches. */
function resolveShape(x: Tensor, shape: Shape): number[] {
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1)
    throw new ShapeError("reshape", "only one dimension can be -1", { x: x.shape, shape });
  checkShape(
    "reshape",
    shape.filter((d) => d !== -1),
  );
  const known = sizeOf(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (sizeOf(out) !== x.size || !out.every(Number.isInteger)) {
    throw new ShapeError(
      "reshape",
      "the new shape must hold the same number of elements",
      { x: x.shape, shape },
      `${x.size} elements cannot be laid out as ${shape.join(" × ")}`,
    );
  }
  return out;
}

const reshapeOp: OpSpec<Shape> = {
  name: "reshape",
  // Row-major data reads the same under any shape of the same size: share it, copy nothing.
  forward: ([x], shape) => new Tensor(x.storage, shape, x.dtype),
  // d reshape(x) = g reshaped back to x's shape
  backward: (g, { inputs: [x] }) => [reshape(g, x.shape)],
};

/**
 * The same elements in a new shape (one dimension may be -1, inferred). Shares the data.
 * x: [2, 3], shape [3, -1] → [3, 2]
 * @example reshape(arange(6), [2, 3])
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  return applyOp(reshapeOp, [t], resolveShape(t, shape));
}
