import { ShapeError } from "../../errors.js";
import { normalizeAxis, sizeOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";

/**
 * Splits one axis into several of the given `sizes` (one may be -1, inferred): the inverse of
 * `flatten`. Shares the data.
 * x: [2, 12], axis 1, sizes [3, 4] → [2, 3, 4]
 * @example unflatten(arange(6), 0, [2, -1]).shape // [2, 3]
 */
export function unflatten(x: TensorLike, axis: number, sizes: readonly number[]): Tensor {
  const t = asTensor(x);
  const ax = normalizeAxis("unflatten", axis, t.shape);
  const n = t.shape[ax]!;
  const inferred = sizes.filter((s) => s === -1).length;
  const known = sizes.filter((s) => s !== -1);
  const fail = (detail: string) =>
    new ShapeError(
      "unflatten",
      `sizes must multiply to the size of axis ${ax}`,
      { x: t.shape, sizes },
      detail,
    );
  if (sizes.length === 0) throw fail("sizes is empty");
  if (known.some((s) => !Number.isInteger(s) || s < 0)) {
    throw fail("sizes must be non-negative integers or one -1");
  }
  if (inferred > 1) throw fail("only one size can be -1");
  const product = sizeOf(known);
  let resolved: number[];
  if (inferred === 1) {
    if (product === 0 || n % product !== 0) throw fail(`${n} is not a multiple of ${product}`);
    resolved = sizes.map((s) => (s === -1 ? n / product : s));
  } else {
    if (product !== n) throw fail(`they multiply to ${product}, not ${n}`);
    resolved = [...sizes];
  }
  return reshape(t, [...t.shape.slice(0, ax), ...resolved, ...t.shape.slice(ax + 1)]);
}
