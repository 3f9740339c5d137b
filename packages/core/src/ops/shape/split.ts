import { ShapeError, ValueError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { sliceAxis } from "./slice-axis.js";

/**
 * Cuts x along `axis` into consecutive pieces: of `sizeOrSections` elements each (the last
 * may be shorter), or of the listed sizes, which must add up to the axis. Each piece is a
 * slice, and carries its gradient back to its own region.
 * x: [5, 2], 2 → [2, 2], [2, 2], [1, 2]
 * @example split(tensor([1, 2, 3, 4, 5]), [2, 3]) // [tensor([1., 2.]), tensor([3., 4., 5.])]
 */
export function split(
  x: TensorLike,
  sizeOrSections: number | readonly number[],
  axis = 0,
): Tensor[] {
  const t = asTensor(x);
  // A 0-d tensor has no axis to cut along: PyTorch rejects it whatever the axis.
  if (t.rank === 0) {
    throw new ShapeError("split", "expects a tensor of at least one dimension", { x: t.shape });
  }
  const ax = normalizeAxis("split", axis, t.shape);
  const n = t.shape[ax]!;
  let sizes: number[];
  if (typeof sizeOrSections === "number") {
    const size = sizeOrSections;
    if (!Number.isInteger(size) || size < 0 || (size === 0 && n > 0)) {
      throw new ValueError(
        "split",
        `the piece size must be a positive integer; got ${size} for an axis of ${n}`,
      );
    }
    // An empty axis still gives one (empty) piece, as in PyTorch.
    const count = size === 0 ? 1 : Math.max(1, Math.ceil(n / size));
    sizes = Array.from({ length: count }, (_, i) => Math.min(size, n - i * size));
  } else {
    sizes = [...sizeOrSections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ValueError(
        "split",
        `section sizes must be non-negative integers; got [${sizes.join(", ")}]`,
      );
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new ShapeError(
        "split",
        `section sizes must add up to the size of axis ${ax}`,
        { x: t.shape, sections: sizes },
        `they add up to ${total}, not ${n}`,
      );
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = sliceAxis(t, ax, start, start + s);
    start += s;
    return piece;
  });
}
