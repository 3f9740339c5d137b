import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";
import { formatShape, normalizeAxis, type Shape, sizeOf } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, empty } from "./kernels.js";
import { scatterAdd } from "./scatter-add.js";

/** x viewed as [outer, axisLen, inner] and index as [outer, indexLen, inner]. */
export function gatherLayout(shape: Shape, indexShape: Shape, axis: number) {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisLen: shape[axis]!,
    indexLen: indexShape[axis]!,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

/** Checks that `index` fits `shape` along `axis` and that every index is in range. */
export function checkIndex(op: string, shape: Shape, axis: number, index: Tensor): void {
  if (index.dtype !== "int32") {
    throw new DTypeError(
      op,
      "indices must be int32",
      { index: index.dtype },
      `use index.cast("int32")`,
    );
  }
  if (index.rank !== shape.length || index.shape.some((d, k) => k !== axis && d !== shape[k])) {
    throw new ShapeError(
      op,
      `index must have the input's rank and size on every axis but ${axis}`,
      { x: shape, index: index.shape },
    );
  }
  const n = shape[axis]!;
  const data = index.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= n) {
      throw new ValueError(
        op,
        `index ${v} at flat position ${i} is out of range for axis ${axis} of size ${n} (shape ${formatShape(shape)})`,
      );
    }
  }
}

const gatherOp: OpSpec<number> = {
  name: "gather",
  forward: ([x, index], axis) => {
    const out = empty(index.shape, x.dtype);
    const { outer, axisLen, indexLen, inner } = gatherLayout(x.shape, index.shape, axis);
    getBackend().gather(
      x.data,
      index.data as Int32Array,
      out.data,
      outer,
      axisLen,
      indexLen,
      inner,
    );
    return out;
  },
  // d gather(x)[…, j, …] = g added back into the position it was read from
  backward: (g, { inputs: [x, index], attrs: axis }) => [scatterAdd(g, axis, index, x.shape), null],
};

/**
 * Picks elements along `axis` by int32 indices (PyTorch's `gather`, NumPy's
 * `take_along_axis`): out[i][j] = x[i][index[i][j]] for axis 1.
 * x: [N, C], axis 1, index [N, K] → [N, K]
 * @example gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: "int32" })) // tensor([[2.], [3.]])
 */
export function gather(x: TensorLike, axis: number, index: Tensor): Tensor {
  const t = asTensor(x);
  const ax = normalizeAxis("gather", axis, t.shape);
  checkIndex("gather", t.shape, ax, index);
  return applyOp(gatherOp, [t, index], ax);
}
