import { noGrad } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/registry.js";
import { arange } from "../../creation.js";
import { AxisError, checkOptions } from "../../errors.js";
import { normalizeAxis, stridesOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { ne } from "../comparison.js";
import { concat } from "../concat.js";
import { gather } from "../gather.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import {
  asTensor,
  constantStorage,
  contiguousView,
  empty,
  fromHost,
  onDevice,
} from "../kernels.js";
import { reshape } from "../reshape.js";
import { slice } from "../slice.js";
import { sum } from "../sum.js";
import { transpose } from "../transpose.js";
import { booleanOption, sortKernel } from "./sort.js";

/** Options of `unique`. */
export interface UniqueOptions {
  /**
   * Return the unique elements in ascending order. They always come sorted, as PyTorch's CPU
   * implementation returns them either way. Default true.
   */
  readonly sorted?: boolean;
  /** Also return, for each input element (or slice), the position of its unique value. */
  readonly returnInverse?: boolean;
  /** Also return how many times each unique value occurs. */
  readonly returnCounts?: boolean;
  /** Unique slices along this axis instead of unique elements of the flattened tensor. */
  readonly axis?: number;
}

/** What `unique` returns: `inverse` and `counts` only when asked for. */
export interface UniqueResult {
  /** The distinct elements (or slices along `axis`), sorted ascending. */
  readonly values: Tensor;
  /** int32, x's shape (or [x.shape[axis]] with an axis): index into `values` of each element. */
  readonly inverse?: Tensor;
  /** int32 [values.shape[0] or values along axis]: occurrences of each unique value. */
  readonly counts?: Tensor;
}

/** out[index[i]] = src[i] (or += with `sum`) into a zero [size] tensor of `dtype`. */
function scatterInto(
  op: "assign" | "sum",
  src: Tensor,
  index: Tensor,
  size: number,
  dtype: Tensor["dtype"],
): Tensor {
  const out = empty([size], dtype);
  getBackend().scatterReduce(
    op,
    contiguousView(src),
    contiguousView(index),
    out.storage,
    [1],
    [index.size],
    0,
    true,
  );
  return out;
}

/**
 * The group of each row of `rows` ([n, m], in sorted order): a row starts a new group when any
 * element differs from the previous row's (NaN differs from everything, as in PyTorch).
 * Returns each row's group and a one-element tensor holding the number of groups (null when
 * there are no rows, hence no groups).
 */
function groupsOf(rows: Tensor): { group: Tensor; groups: Tensor | null } {
  const n = rows.shape[0]!;
  const group = empty([n], "int32");
  if (n === 0) return { group, groups: null };
  const m = rows.shape[1]!;
  const differs = cast(
    sum(cast(ne(slice(rows, [1]), slice(rows, [0], [n - 1])), "int32"), 1),
    "int32",
  );
  const first = fromHost("unique", Int32Array.of(1), [1], "int32");
  const starts = concat([first, m === 0 ? empty([n - 1], "int32") : differs]);
  // A row starts a group if it differs from the last; its group is the running count − 1.
  const running = empty([n], "int32");
  getBackend().scan("sum", cast(starts.ne(0), "int32").storage, 1, n, 1, running.storage, null);
  getBackend().binary(
    "sub",
    contiguousView(running),
    { data: constantStorage("unique", 1, "int32"), offset: 0, strides: [0] },
    group.storage,
    [n],
  );
  // The number of unique values decides the output's shape: the one element read on the host.
  return { group, groups: slice(running, [n - 1]) };
}

function uniquePlan(x: TensorLike, options: UniqueOptions): HostPlan<UniqueResult> {
  checkOptions("unique", options, ["sorted", "returnInverse", "returnCounts", "axis"]);
  const t = asTensor(x);
  booleanOption("unique", "sorted", options.sorted, true);
  const returnInverse = booleanOption("unique", "returnInverse", options.returnInverse, false);
  const returnCounts = booleanOption("unique", "returnCounts", options.returnCounts, false);
  // Outside an op's forward: the kernels and the tensors made here go to x's device, before
  // and after the number of unique values is read.
  const sorted = onDevice(t.device, () =>
    noGrad(() => {
      let rows: Tensor;
      let move: number[] | undefined;
      if (options.axis === undefined) {
        rows = reshape(t, [t.size, 1]);
      } else {
        // A 0-d tensor has no slices to compare, and PyTorch rejects every axis there.
        if (t.rank === 0) throw new AxisError("unique", options.axis, t.shape);
        const ax = normalizeAxis("unique", options.axis, t.shape);
        move = [ax, ...t.shape.map((_, a) => a).filter((a) => a !== ax)];
        const moved = transpose(t, move);
        rows = reshape(moved, [moved.shape[0]!, moved.size / (moved.shape[0]! || 1)]);
      }
      const [n, m] = rows.shape as [number, number];
      // Rows in lexicographic order: stable sorts by each column, last column first (a least
      // significant digit radix sort whose digit sort is the sort kernel).
      let order = arange(n);
      const columns = transpose(rows, [1, 0]);
      for (let c = m - 1; c >= 0 && n > 1; c--) {
        const keys = gather(reshape(slice(columns, [c], [c + 1]), [n]), 0, order);
        order = gather(order, 0, sortKernel(keys, 0, false).indices);
      }
      const sortedRows =
        n === 0 ? rows : gather(rows, 0, reshape(order, [n, 1]).broadcastTo([n, m]));
      return { move, n, m, order, sortedRows, ...groupsOf(sortedRows) };
    }),
  );
  const { move, n, m, order, sortedRows, group, groups } = sorted;
  const finish = (count: number): UniqueResult =>
    onDevice(t.device, () =>
      noGrad(() => {
        // Each group's rows are equal: writing them all to the group's slot leaves that row.
        const values2d = empty([count, m], t.dtype);
        getBackend().scatterReduce(
          "assign",
          contiguousView(sortedRows),
          contiguousView(reshape(group, [n, 1]).broadcastTo([n, m])),
          values2d.storage,
          stridesOf([count, m]),
          [n, m],
          0,
          true,
        );
        let values: Tensor;
        if (move === undefined) {
          values = reshape(values2d, [count]);
        } else {
          const movedShape = move.map((a) => t.shape[a] ?? 1);
          movedShape[0] = count;
          const inverseMove = move.map((_, a) => move!.indexOf(a));
          values = transpose(reshape(values2d, movedShape), inverseMove);
        }
        const result: { values: Tensor; inverse?: Tensor; counts?: Tensor } = { values };
        if (returnInverse) {
          const inverse = scatterInto("assign", group, order, n, "int32");
          result.inverse = move === undefined ? reshape(inverse, t.shape) : inverse;
        }
        if (returnCounts) {
          const ones = empty([n], "int32").onesLike();
          result.counts = scatterInto("sum", ones, group, count, "int32");
        }
        return result;
      }),
    );
  return {
    reads: groups ? [groups] : [],
    finish: ([count]) => finish(count ? count[0]! : 0),
  };
}

/**
 * The unique elements of `x` (flattened), in ascending order, or with `axis` the unique
 * slices along that axis in lexicographic order, optionally with the inverse (where each
 * element or slice went) and the counts. NaN is never equal to NaN, so each NaN is its own
 * unique value, as in PyTorch. Carries no gradient. The number of unique values decides the
 * output's shape, so on a GPU it is read back at once; on a browser's main thread, which may
 * not wait, use `uniqueAsync`.
 * x: [N, C] → values [U]; with axis 0 → values [U, C], inverse [N], counts [U]
 * @example unique(tensor([3, 1, 3])).values // tensor([1., 3.])
 */
export function unique(x: TensorLike, options: UniqueOptions = {}): UniqueResult {
  return finishNow("unique", "uniqueAsync", uniquePlan(x, options));
}

/**
 * `unique` that awaits the number of unique values instead of blocking for it, so it works on
 * a GPU tensor on a browser's main thread. Same result as `unique`.
 * x: [N, C] → values [U]; with axis 0 → values [U, C], inverse [N], counts [U]
 * @example (await uniqueAsync(tensor([3, 1, 3]))).values // tensor([1., 3.])
 */
export async function uniqueAsync(
  x: TensorLike,
  options: UniqueOptions = {},
): Promise<UniqueResult> {
  return finishLater(uniquePlan(x, options));
}
