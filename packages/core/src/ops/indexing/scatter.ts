import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { StridedView } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { cloneStorage, type Storage } from "../../device.js";
import { DTypeError, ShapeError } from "../../errors.js";
import { normalizeAxis, stridesOf } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { gather } from "../gather.js";
import { asTensor, constantStorage, contiguousView } from "../kernels.js";
import { reshape } from "../reshape.js";
import { slice } from "../slice.js";
import { checkIndexValues, requireInt32 } from "./index-select.js";

/**
 * Checks the arguments every scatter shares, as PyTorch does: an int32 index of x's rank, no
 * larger than x on any axis but `axis` and no larger than src on any, every index in range
 * along `axis`, and src of x's dtype.
 */
export function checkScatter(
  op: string,
  x: Tensor,
  axis: number,
  index: Tensor,
  src?: Tensor,
): void {
  requireInt32(op, index);
  if (index.rank !== x.rank || index.shape.some((d, k) => k !== axis && d > x.shape[k]!)) {
    throw new ShapeError(
      op,
      `index must have x's rank and at most its size on every axis but ${axis}`,
      { x: x.shape, index: index.shape },
    );
  }
  if (src) {
    if (src.rank !== index.rank || index.shape.some((d, k) => d > src.shape[k]!)) {
      throw new ShapeError(
        op,
        "src must have the index's rank and at least its size on every axis",
        {
          index: index.shape,
          src: src.shape,
        },
      );
    }
    if (src.dtype !== x.dtype) {
      throw new DTypeError(
        op,
        "src must have x's dtype",
        { x: x.dtype, src: src.dtype },
        "use src.cast(x.dtype)",
      );
    }
  }
  checkIndexValues(op, index, axis, x.shape, false);
}

/** The leading part of src that the index covers: PyTorch reads only that much of it. */
export function coveredPart(src: Tensor, index: Tensor): Tensor {
  if (src.shape.every((d, k) => d === index.shape[k])) return src;
  return slice(
    src,
    index.shape.map(() => 0),
    [...index.shape],
  );
}

interface ScatterAttrs {
  readonly axis: number;
  /** The number written everywhere, when src is a number. */
  readonly value?: number;
}

const scatterOp: OpSpec<ScatterAttrs> = {
  name: "scatter",
  forward: ([x, index, src], { axis, value }) => {
    const out = new Tensor(cloneStorage(x.storage), x.shape, x.dtype);
    let view: StridedView<Storage>;
    if (src) {
      view = contiguousView(src);
    } else {
      // A number becomes x's dtype as a cast makes it: truncated for int32, nonzero for bool.
      const fill = x.dtype === "bool" ? Number(value !== 0) : value!;
      const data = constantStorage("scatter", fill, x.dtype);
      view = { data, offset: 0, strides: index.shape.map(() => 0) };
    }
    getBackend().scatterReduce(
      "assign",
      view,
      contiguousView(index!),
      out.storage,
      stridesOf(x.shape),
      index!.shape,
      axis,
      true,
    );
    return out;
  },
  backward: (g, { inputs: [, index, src], attrs: { axis } }) => {
    // d scatter/dx = g with the overwritten positions zeroed
    const dx = scatter(g, axis, index!, 0);
    if (!src) return [dx, null];
    // d scatter/dsrc = g read back from where each element was written (a gather)
    return [dx, null, gather(g, axis, index!)];
  },
};

/**
 * x with the elements of `src` (or the number `src`) written at the positions `index` names
 * along `axis`: out[i][index[i][j]] = src[i][j] for axis 1 (PyTorch's `scatter`). Where an
 * index repeats, the last write in row-major order wins. The gradient reaches x where nothing
 * was written, and src as g read back from where each element went (`gather`).
 * x: [N, C], index: [N, K] (int32), src: [N, K] or a number → [N, C]
 * @example scatter(zeros([3]), 0, tensor([2, 0], { dtype: "int32" }), tensor([5, 6])) // tensor([6., 0., 5.])
 */
export function scatter(x: TensorLike, axis: number, index: Tensor, src: TensorLike): Tensor {
  const t = asTensor(x);
  const ax = normalizeAxis("scatter", axis, t.shape);
  const s = src instanceof Tensor ? src : undefined;
  checkScatter("scatter", t, ax, index, s);
  if (t.rank === 0) {
    const flat = (u: Tensor) => reshape(u, [1]);
    return reshape(scatter(flat(t), 0, flat(index), s ? flat(s) : (src as number)), []);
  }
  if (s) return applyOp(scatterOp, [t, index, coveredPart(s, index)], { axis: ax });
  return applyOp(scatterOp, [t, index], { axis: ax, value: src as number });
}
