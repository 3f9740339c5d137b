import { tensor } from "../../creation.js";
import type { TypedArray } from "../../dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { gather } from "../gather.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/** Checks that a tensor `repeats` is int32 counts for an axis of `n` elements. */
function checkRepeats(repeats: Tensor, n: number, x: Tensor): void {
  if (repeats.dtype !== "int32") {
    throw new DTypeError(
      "repeatInterleave",
      "repeats must be an int32 tensor",
      { repeats: repeats.dtype },
      `use repeats.cast("int32")`,
    );
  }
  if (repeats.rank > 1 || (repeats.size !== n && repeats.size !== 1)) {
    throw new ShapeError(
      "repeatInterleave",
      "repeats must be one count, or one per element along the axis",
      { x: x.shape, repeats: repeats.shape },
      `the axis has ${n} elements`,
    );
  }
}

/** The counts, from the elements `data` of a tensor `repeats`, one per element of the axis. */
function countsOf(data: TypedArray, n: number): number[] {
  const counts = Array.from(data, Number);
  if (counts.some((c) => c < 0)) {
    throw new ValueError(
      "repeatInterleave",
      `repeats must be non-negative; got [${counts.join(", ")}]`,
    );
  }
  return counts.length === 1 ? new Array<number>(n).fill(counts[0]!) : counts;
}

function repeatInterleavePlan(
  x: TensorLike,
  repeats: number | Tensor,
  axis: number | undefined,
): HostPlan<Tensor> {
  const source = asTensor(x);
  const t = axis === undefined ? reshape(source, [source.size]) : source;
  const ax = axis === undefined ? 0 : normalizeAxis("repeatInterleave", axis, t.shape);
  const n = t.shape[ax]!;
  if (typeof repeats === "number") {
    if (!Number.isInteger(repeats) || repeats < 0) {
      throw new ValueError(
        "repeatInterleave",
        `repeats must be a non-negative integer; got ${repeats}`,
      );
    }
    // [..., n, ...] → [..., n, 1, ...] → [..., n, r, ...] → [..., n·r, ...]
    const spread = reshape(t, [...t.shape.slice(0, ax + 1), 1, ...t.shape.slice(ax + 1)]);
    const copies = broadcastTo(spread, [
      ...t.shape.slice(0, ax + 1),
      repeats,
      ...t.shape.slice(ax + 1),
    ]);
    const out = reshape(
      copies,
      t.shape.map((d, i) => (i === ax ? d * repeats : d)),
    );
    return { reads: [], finish: () => out };
  }
  if (!(repeats instanceof Tensor)) {
    throw new ValueError(
      "repeatInterleave",
      `repeats must be a number or an int32 tensor; got ${typeof repeats}`,
    );
  }
  checkRepeats(repeats, n, t);
  // The counts decide the output's shape, so they are read on the host; the copies are then a
  // gather, whose rule adds their gradients back.
  return {
    reads: [repeats],
    finish: ([data]) => {
      const counts = countsOf(data!, n);
      const positions = counts.flatMap((c, j) => new Array<number>(c).fill(j));
      const along = t.shape.map((_, i) => (i === ax ? positions.length : 1));
      const index = tensor(positions, {
        dtype: "int32",
        shape: [positions.length],
        device: t.device,
      });
      const full = t.shape.map((d, i) => (i === ax ? positions.length : d));
      return gather(t, ax, broadcastTo(reshape(index, along), full));
    },
  };
}

/**
 * Repeats each element along `axis` (of the flattened tensor when omitted) `repeats` times,
 * copies side by side: [a, b] twice is [a, a, b, b]. `repeats` is a number, or an int32
 * tensor with one count per element. A count tensor decides the output's shape, so a GPU one
 * is read back at once; on a browser's main thread, which may not wait, use
 * `repeatInterleaveAsync`. The gradient adds each element's copies back together.
 * x: [2, 3], repeats 2, axis 1 → [2, 6]
 * @example repeatInterleave(tensor([1, 2]), 2) // tensor([1., 1., 2., 2.])
 */
export function repeatInterleave(x: TensorLike, repeats: number | Tensor, axis?: number): Tensor {
  return finishNow(
    "repeatInterleave",
    "repeatInterleaveAsync",
    repeatInterleavePlan(x, repeats, axis),
  );
}

/**
 * `repeatInterleave` that awaits a count tensor's data instead of blocking for it, so GPU
 * counts work on a browser's main thread. Same result and gradient as `repeatInterleave`.
 * x: [3], repeats [3] (int32) → [sum of repeats]
 * @example await repeatInterleaveAsync(tensor([1, 2, 3]), tensor([2, 0, 1], { dtype: "int32" })) // tensor([1., 1., 3.])
 */
export async function repeatInterleaveAsync(
  x: TensorLike,
  repeats: number | Tensor,
  axis?: number,
): Promise<Tensor> {
  return finishLater(repeatInterleavePlan(x, repeats, axis));
}
