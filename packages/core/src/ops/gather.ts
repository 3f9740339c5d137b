import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";
import { formatShape, normalizeAxis, type Shape, sizeOf } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, checkOnDevice, empty } from "./kernels.js";
import { reshape } from "./reshape.js";
import { scatterAdd } from "./scatter-add.js";
import { slice } from "./slice.js";

/**
 * x viewed as [outer, axisLen, inner] and index as [outer, indexLen, inner]. A 0-d x and
 * index (axis 0) are one element each, as if of shape [1].
 */
export function gatherLayout(shape: Shape, indexShape: Shape, axis: number) {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisLen: shape[axis] ?? 1,
    indexLen: indexShape[axis] ?? 1,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

function checkIndexDtype(op: string, index: Tensor): void {
  if (index.dtype !== "int32") {
    throw new DTypeError(
      op,
      "indices must be int32",
      { index: index.dtype },
      `use index.cast("int32")`,
    );
  }
}

/** Checks that `index` fits `shape` along `axis` and that every index is in range. */
export function checkIndex(op: string, shape: Shape, axis: number, index: Tensor): void {
  checkIndexDtype(op, index);
  if (index.rank !== shape.length || index.shape.some((d, k) => k !== axis && d !== shape[k])) {
    throw new ShapeError(
      op,
      `index must have the input's rank and size on every axis but ${axis}`,
      { x: shape, index: index.shape },
    );
  }
  checkIndexRange(op, shape, axis, index);
}

/** Throws unless every index is in `[0, n)` for the size n of `axis` (1 for a 0-d shape). */
function checkIndexRange(op: string, shape: Shape, axis: number, index: Tensor): void {
  const n = shape[axis] ?? 1;
  if (index.device !== "cpu") {
    const bad = index.lt(0).logicalOr(index.ge(n)).any();
    const where = `for axis ${axis} of size ${n} (shape ${formatShape(shape)})`;
    checkOnDevice(op, bad, `an index is out of range ${where}`);
    return;
  }
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
    getBackend().gather(x.storage, index.storage, out.storage, outer, axisLen, indexLen, inner);
    return out;
  },
  // d gather(x)[…, j, …] = g added back into the position it was read from
  backward: (g, { inputs: [x, index], attrs: axis }) => [scatterAdd(g, axis, index, x.shape), null],
};

/**
 * Picks elements along `axis` by int32 indices (PyTorch's `gather`, NumPy's
 * `take_along_axis`): out[i][j] = x[i][index[i][j]] for axis 1. As in PyTorch, `index` has
 * x's rank, any size along `axis` and at most x's size on every other axis (it then reads
 * the leading part of x there); a 0-d tensor counts as 1-d of size 1.
 * x: [N, C], axis 1, index [M, K] with M ≤ N → [M, K]
 * @example gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: "int32" })) // tensor([[2.], [3.]])
 */
export function gather(x: TensorLike, axis: number, index: Tensor): Tensor {
  const t = asTensor(x);
  const ax = normalizeAxis("gather", axis, t.shape);
  checkIndexDtype("gather", index);
  // PyTorch compares ranks with a 0-d tensor counted as 1-d: a scalar gathers from or into
  // a vector. Both are viewed as 1-d and the result takes the index's shape.
  if (t.rank !== index.rank && t.rank <= 1 && index.rank <= 1) {
    return reshape(gather(reshape(t, [t.size]), 0, reshape(index, [index.size])), index.shape);
  }
  if (index.rank !== t.rank || index.shape.some((d, k) => k !== ax && d > t.shape[k]!)) {
    throw new ShapeError(
      "gather",
      `index must have the input's rank and at most its size on every axis but ${ax}`,
      { x: t.shape, index: index.shape },
    );
  }
  checkIndexRange("gather", t.shape, ax, index);
  // The kernel reads x and index with the same extent on every axis but `axis`: where the
  // index is smaller, gather from the leading part of x; slice's own backward puts the
  // gradient back in place, zeros elsewhere.
  const fits = index.shape.every((d, k) => k === ax || d === t.shape[k]);
  const source = fits
    ? t
    : slice(
        t,
        index.shape.map(() => 0),
        index.shape.map((d, k) => (k === ax ? null : d)),
      );
  return applyOp(gatherOp, [source, index], ax);
}
