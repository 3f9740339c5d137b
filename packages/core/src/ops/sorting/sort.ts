import { isGradEnabled } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ValueError } from "../../errors.js";
import { normalizeAxis, type Shape, sizeOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { gather } from "../gather.js";
import { asTensor, empty, onDevice } from "../kernels.js";

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** Largest first (NaN first of all). Default false. */
  readonly descending?: boolean;
  /**
   * Keep equal elements in their original order. The sort is always stable, so this is
   * accepted for PyTorch's sake and changes nothing. Default false.
   */
  readonly stable?: boolean;
}

/** What `sort`, `topk`, `kthvalue` and `median` along an axis return. */
export interface ValuesAndIndices {
  /** The selected elements; differentiable, the gradient going back to `indices`. */
  readonly values: Tensor;
  /** Their positions along the axis, as int32. */
  readonly indices: Tensor;
}

/** x of `shape` viewed as [outer, axisLen, inner] around `axis` (a 0-d shape as [1, 1, 1]). */
export function axisLayout(shape: Shape, axis: number) {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisLen: shape[axis] ?? 1,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

/** Checks a boolean option, naming the op: a truthy string must not pass as `true`. */
export function booleanOption(op: string, name: string, value: unknown, fallback: boolean) {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new ValueError(op, `option "${name}" must be a boolean; got ${String(value)}`);
  }
  return value;
}

/** The sort kernel on `x` along the normalised `axis`: sorted values and positions, off the tape. */
export function sortKernel(x: Tensor, axis: number, descending: boolean): ValuesAndIndices {
  const { outer, axisLen, inner } = axisLayout(x.shape, axis);
  // Outside an op's forward: x's device, not the default one, computes and holds the results.
  return onDevice(x.device, () => {
    const values = empty(x.shape, x.dtype);
    const indices = empty(x.shape, "int32");
    getBackend().sort(
      x.storage,
      outer,
      axisLen,
      inner,
      values.storage,
      indices.storage,
      descending,
      true,
    );
    return { values, indices };
  });
}

/**
 * The elements of `x` at `indices` along `axis`, on the tape when x needs a gradient: a gather,
 * whose backward scatters g back to the indices. `ready` holds the same values already
 * computed by a kernel, returned as they are when no gradient is recorded.
 */
export function selectAlong(x: Tensor, axis: number, indices: Tensor, ready?: Tensor): Tensor {
  if (ready && !(x.requiresGrad && isGradEnabled())) return ready;
  return gather(x, axis, indices);
}

/**
 * The elements of `x` sorted along `axis` and the positions they came from. NaN sorts as the
 * largest value (last ascending, first descending) and equal elements keep their order.
 * The gradient of `values` goes back to the positions in `indices`.
 * x: [N, C], axis -1 → values [N, C], indices [N, C] (int32)
 * @example sort(tensor([3, 1, 2])).indices // tensor([1, 2, 0], dtype=int32)
 */
export function sort(x: TensorLike, axis = -1, options: SortOptions = {}): ValuesAndIndices {
  checkOptions("sort", options, ["descending", "stable"]);
  const t = asTensor(x);
  const ax = normalizeAxis("sort", axis, t.shape);
  const descending = booleanOption("sort", "descending", options.descending, false);
  booleanOption("sort", "stable", options.stable, false);
  const sorted = sortKernel(t, ax, descending);
  // d sort(x) = g scattered back to where each value came from (gather's adjoint)
  return { values: selectAlong(t, ax, sorted.indices, sorted.values), indices: sorted.indices };
}
