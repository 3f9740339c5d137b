import { ShapeError, ValueError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { concat } from "../concat.js";
import { asTensor } from "../kernels.js";
import { reshape } from "../reshape.js";
import { sliceAxis } from "./slice-axis.js";

/** Rolls one axis: its last k elements move to the front. */
function rollAxis(x: Tensor, shift: number, axis: number): Tensor {
  const n = x.shape[axis]!;
  if (n === 0) return x;
  const k = ((shift % n) + n) % n;
  if (k === 0) return x;
  return concat([sliceAxis(x, axis, n - k, n), sliceAxis(x, axis, 0, n - k)], axis);
}

/**
 * Shifts the elements along `axes` by `shifts` places, those pushed past the end coming back at
 * the start (a negative shift goes the other way). Without `axes`, rolls the flattened tensor
 * and restores its shape. Built from slices and a concat, which carry the gradient.
 * x: [...S] → [...S]
 * @example roll(tensor([1, 2, 3, 4]), 1) // tensor([4., 1., 2., 3.])
 */
export function roll(
  x: TensorLike,
  shifts: number | readonly number[],
  axes?: number | readonly number[],
): Tensor {
  const t = asTensor(x);
  const shiftList = typeof shifts === "number" ? [shifts] : [...shifts];
  for (const s of shiftList) {
    if (!Number.isInteger(s)) throw new ValueError("roll", `shifts must be integers; got ${s}`);
  }
  if (axes === undefined) {
    if (shiftList.length !== 1) {
      throw new ValueError(
        "roll",
        `without axes, shifts must be one number; got ${shiftList.length} shifts`,
        "pass an axis for each shift",
      );
    }
    return reshape(rollAxis(reshape(t, [t.size]), shiftList[0]!, 0), t.shape);
  }
  const axisList = typeof axes === "number" ? [axes] : axes;
  if (axisList.length !== shiftList.length) {
    throw new ShapeError(
      "roll",
      "shifts and axes must have the same length",
      { x: t.shape },
      `${shiftList.length} shifts and ${axisList.length} axes`,
    );
  }
  let out = t;
  axisList.forEach((a, i) => {
    out = rollAxis(out, shiftList[i]!, normalizeAxis("roll", a, t.shape));
  });
  return out;
}
