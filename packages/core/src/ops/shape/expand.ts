import { ShapeError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { asTensor } from "../kernels.js";

/**
 * Repeats x along its axes of size 1 (and new leading ones) to reach `shape`, where -1 keeps
 * x's size on that axis (PyTorch's `Tensor.expand`). A broadcast, so it copies, and its
 * gradient sums the copies.
 * x: [3, 1], shape [-1, 4] → [3, 4]
 * @example expand(tensor([[1], [2]]), [-1, 3]) // tensor([[1., 1., 1.], [2., 2., 2.]])
 */
export function expand(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  const lead = shape.length - t.rank;
  const fail = (problem: string, detail?: string) =>
    new ShapeError("expand", problem, { x: t.shape, shape }, detail);
  if (lead < 0) throw fail("shape must have at least x's rank", `${shape.length} < ${t.rank}`);
  const resolved = shape.map((d, i) => {
    if (d === -1) {
      if (i < lead) throw fail(`-1 cannot stand for the new leading axis ${i}`);
      return t.shape[i - lead]!;
    }
    if (!Number.isInteger(d) || d < 0)
      throw fail(`sizes must be non-negative integers or -1; got ${d}`);
    const own = i < lead ? 1 : t.shape[i - lead]!;
    if (own !== 1 && own !== d) {
      throw fail(`axis ${i} has size ${own}, which expands only to itself`, `asked for ${d}`);
    }
    return d;
  });
  return broadcastTo(t, resolved);
}
