import { DTypeError, ShapeError, ValueError } from "../../errors.js";
import { formatShape, normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { gather } from "../gather.js";
import { asTensor, checkOnDevice } from "../kernels.js";
import { reshape } from "../reshape.js";

/** Throws unless `index` is int32, naming the op and what the index is for. */
export function requireInt32(op: string, index: Tensor, name = "index"): void {
  if (index.dtype !== "int32") {
    throw new DTypeError(
      op,
      `${name} must be int32`,
      { [name]: index.dtype },
      `use ${name}.cast("int32")`,
    );
  }
}

/**
 * Throws unless every element of `index` is in range for `axis` of `shape`: [0, n), or
 * [−n, n) when `negatives` count from the end. The message names the index, its position,
 * the axis and the valid range.
 */
export function checkIndexValues(
  op: string,
  index: Tensor,
  axis: number,
  shape: readonly number[],
  negatives: boolean,
): void {
  const n = shape[axis] ?? 1;
  const low = negatives ? -n : 0;
  const valid = n === 0 ? "none: the axis is empty" : `${low}..${n - 1}`;
  if (index.device !== "cpu") {
    const bad = index.lt(low).logicalOr(index.ge(n)).any();
    const where = `axis ${axis} of size ${n} (valid ${valid}); got x ${formatShape(shape)}`;
    checkOnDevice(op, bad, `an index is out of range for ${where}`);
    return;
  }
  const data = index.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < low || v >= n) {
      throw new ValueError(
        op,
        `index ${v} at position ${i} of the index is out of range for axis ${axis} of size ${n} (valid ${valid}); got x ${formatShape(shape)}`,
      );
    }
  }
}

/**
 * The slices of `x` along `axis` at the positions in the 1-d (or 0-d) int32 `index`, in its
 * order, repeats allowed (PyTorch's `index_select`). The gradient adds g back into each
 * selected slice.
 * x: [N, C], axis 0, index [K] → [K, C]
 * @example indexSelect(tensor([[1, 2], [3, 4]]), 0, tensor([1, 1], { dtype: "int32" })) // tensor([[3., 4.], [3., 4.]])
 */
export function indexSelect(x: TensorLike, axis: number, index: Tensor): Tensor {
  const t = asTensor(x);
  const ax = normalizeAxis("indexSelect", axis, t.shape);
  requireInt32("indexSelect", index);
  if (index.rank > 1) {
    throw new ShapeError("indexSelect", "index must be 0-d or 1-d", {
      x: t.shape,
      index: index.shape,
    });
  }
  checkIndexValues("indexSelect", index, ax, t.shape, false);
  const k = index.size;
  // A 0-d x has one notional element along its one notional axis: the index names it once,
  // and the result stays 0-d, as in PyTorch.
  if (t.rank === 0) {
    if (k !== 1) {
      throw new ShapeError(
        "indexSelect",
        "the index of a 0-d x must hold exactly one value",
        { x: t.shape, index: index.shape },
        `it holds ${k}`,
      );
    }
    return reshape(gather(reshape(t, [1]), 0, reshape(index, [1])), []);
  }
  const outShape = t.shape.map((d, a) => (a === ax ? k : d));
  const alongAxis = t.shape.map((_, a) => (a === ax ? k : 1));
  // The index repeated over the other axes, so that one gather (whose adjoint adds g back into
  // the selected slices) picks whole slices.
  return gather(t, ax, broadcastTo(reshape(index, alongAxis), outShape));
}
