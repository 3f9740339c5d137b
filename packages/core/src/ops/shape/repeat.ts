import { ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Tiles the whole tensor `repeats[d]` times along each axis d (PyTorch's `Tensor.repeat`).
 * `repeats` may be longer than x's rank; x then gains leading axes. Built as a broadcast
 * over a new axis before each axis, whose rule sums the copies' gradients.
 * x: [2, 3], repeats [2, 1, 2] → [2, 2, 6]
 * @example repeat(tensor([1, 2]), [2]) // tensor([1., 2., 1., 2.])
 */
export function repeat(x: TensorLike, repeats: readonly number[]): Tensor {
  const t = asTensor(x);
  if (repeats.length < t.rank) {
    throw new ShapeError(
      "repeat",
      "repeats must have an entry for every dimension",
      { x: t.shape, repeats },
      `${repeats.length} repeats for rank ${t.rank}`,
      "tile() pads repeats with leading 1s",
    );
  }
  for (const r of repeats) {
    if (!Number.isInteger(r) || r < 0) {
      throw new ValueError(
        "repeat",
        `repeats must be non-negative integers; got [${repeats.join(", ")}]`,
      );
    }
  }
  const shape = [...new Array<number>(repeats.length - t.rank).fill(1), ...t.shape];
  // [s0, s1] → [1, s0, 1, s1] → [r0, s0, r1, s1] → [r0·s0, r1·s1]
  const spread = reshape(
    t,
    shape.flatMap((s) => [1, s]),
  );
  const copies = broadcastTo(
    spread,
    shape.flatMap((s, d) => [repeats[d]!, s]),
  );
  return reshape(
    copies,
    shape.map((s, d) => s * repeats[d]!),
  );
}
