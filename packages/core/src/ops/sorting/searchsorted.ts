import { noGrad } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/registry.js";
import { arange } from "../../creation.js";
import { checkOptions, DTypeError, ShapeError, ValueError } from "../../errors.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { cast } from "../cast.js";
import { concat } from "../concat.js";
import { gather } from "../gather.js";
import { contiguousView, empty, fromHost, onDevice } from "../kernels.js";
import { reshape } from "../reshape.js";
import { booleanOption, sortKernel } from "./sort.js";

/** Options of `searchsorted`. */
export interface SearchsortedOptions {
  /** Return the last suitable position (after equal elements) rather than the first. */
  readonly right?: boolean;
  /** "left" (default) or "right": the same choice as `right`, by name. */
  readonly side?: "left" | "right";
}

/**
 * For each of `values`, the position in `sortedSequence` (sorted ascending along its last
 * axis) at which inserting it keeps the order: the first such position, or with
 * `right`/`side: "right"` the last. A 1-d sequence serves every value; otherwise the
 * sequence's leading dimensions match the values' and each row is searched on its own.
 * A NaN value goes after everything. Carries no gradient.
 * sortedSequence: [..., M], values: [..., N] → [..., N] (int32); [M] and any values → values' shape
 * @example searchsorted(tensor([1, 3, 5]), tensor([3, 6])) // tensor([1, 3], dtype=int32)
 */
export function searchsorted(
  sortedSequence: Tensor,
  values: TensorLike,
  options: SearchsortedOptions = {},
): Tensor {
  checkOptions("searchsorted", options, ["right", "side"]);
  const seq = sortedSequence;
  const v = values instanceof Tensor ? values : Tensor.scalar(values, seq.dtype);
  let right = booleanOption("searchsorted", "right", options.right, false);
  if (options.side !== undefined) {
    if (options.side !== "left" && options.side !== "right") {
      throw new ValueError(
        "searchsorted",
        `option "side" must be "left" or "right"; got ${String(options.side)}`,
      );
    }
    if (options.right === false && options.side === "right") {
      throw new ValueError(
        "searchsorted",
        `options "side" and "right" disagree; got side "right" and right false`,
      );
    }
    right = options.side === "right";
  }
  if (seq.dtype !== v.dtype) {
    throw new DTypeError("searchsorted", "the sequence and the values must share a dtype", {
      sortedSequence: seq.dtype,
      values: v.dtype,
    });
  }
  if (seq.rank === 0) {
    throw new ShapeError("searchsorted", "the sorted sequence must have at least one dimension", {
      sortedSequence: seq.shape,
      values: v.shape,
    });
  }
  const m = seq.shape[seq.rank - 1]!;
  const oneRow = seq.rank === 1;
  if (
    !oneRow &&
    (v.rank !== seq.rank || seq.shape.some((d, k) => k < seq.rank - 1 && d !== v.shape[k]))
  ) {
    throw new ShapeError(
      "searchsorted",
      "the sequence and the values must agree on every dimension but the last (or the sequence be 1-d)",
      { sortedSequence: seq.shape, values: v.shape },
    );
  }
  // Outside an op's forward: the kernels, index tensors and result go to the inputs' device.
  return onDevice(seq.device, () =>
    noGrad(() => {
      const rows = oneRow ? 1 : seq.size / (m || 1);
      const n = oneRow ? v.size : v.shape[v.rank - 1]!;
      if (rows === 0 || n === 0) return empty(v.shape, "int32");
      // Merge each row's values into its sequence with a stable sort: values placed before the
      // sequence land before equal elements (the left position), after it after them (the
      // right one). A value's position is then the number of sequence elements sorted before it.
      const s2 = reshape(seq, [rows, m]);
      const v2 = reshape(v, [rows, n]);
      const merged = concat(right ? [s2, v2] : [v2, s2], 1);
      const order = sortKernel(merged, 1, false).indices;
      const flags = new Int32Array(rows * (m + n));
      for (let r = 0; r < rows; r++) {
        const from = r * (m + n) + (right ? 0 : n);
        flags.fill(1, from, from + m);
      }
      const fromSeq = fromHost("searchsorted", flags, [rows, m + n], "int32");
      const isSeq = gather(fromSeq, 1, order);
      const before = empty([rows, m + n], "int32");
      getBackend().scan("sum", isSeq.storage, rows, m + n, 1, before.storage, null);
      // rank[r, p] = where merged element p of row r ended up; a value's answer is the running
      // count of sequence elements at its place.
      const rank = empty([rows, m + n], "int32");
      getBackend().scatterReduce(
        "assign",
        {
          data: fromHost("searchsorted", positions(rows, m + n), [rows * (m + n)], "int32").storage,
          offset: 0,
          strides: [m + n, 1],
        },
        contiguousView(order),
        rank.storage,
        [m + n, 1],
        [rows, m + n],
        1,
        true,
      );
      const valueRanks = gather(rank, 1, valueColumns(rows, n, right ? m : 0));
      return reshape(cast(gather(before, 1, valueRanks), "int32"), v.shape);
    }),
  );
}

/** p for every element of a [rows, width] array: each row 0, 1, …, width − 1. */
function positions(rows: number, width: number): Int32Array {
  const data = new Int32Array(rows * width);
  for (let i = 0; i < data.length; i++) data[i] = i % width;
  return data;
}

/** The columns of the values in the merged rows: from, from + 1, …, from + n − 1. */
function valueColumns(rows: number, n: number, from: number): Tensor {
  return broadcastTo(arange(from, from + n), [rows, n]);
}
