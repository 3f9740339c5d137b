import { ShapeError } from "../../errors.js";
import { normalizeAxes } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Removes axes of size 1: those named by `axis`, or all of them.
 * x: [2, 1, 3] → [2, 3]
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = asTensor(x);
  const axes =
    axis === undefined
      ? t.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes("squeeze", axis, t.shape);
  for (const a of axes) {
    if (t.shape[a] !== 1) {
      throw new ShapeError("squeeze", `axis ${a} has size ${t.shape[a]}, not 1`, { x: t.shape });
    }
  }
  return reshape(
    t,
    t.shape.filter((_, i) => !axes.includes(i)),
  );
}
