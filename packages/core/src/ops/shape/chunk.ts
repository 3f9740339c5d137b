import { ShapeError, ValueError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { split } from "./split.js";

/**
 * Cuts x along `axis` into at most `chunks` pieces of ⌈n / chunks⌉ elements (the last may be
 * shorter, and there may be fewer pieces, as in PyTorch); an empty axis gives `chunks` empty
 * pieces.
 * x: [5], 3 → [2], [2], [1]
 * @example chunk(tensor([1, 2, 3, 4]), 2) // [tensor([1., 2.]), tensor([3., 4.])]
 */
export function chunk(x: TensorLike, chunks: number, axis = 0): Tensor[] {
  const t = asTensor(x);
  if (!Number.isInteger(chunks) || chunks < 1) {
    throw new ValueError("chunk", `chunks must be a positive integer; got ${chunks}`);
  }
  // A 0-d tensor has no axis to cut along: PyTorch rejects it whatever the axis.
  if (t.rank === 0) {
    throw new ShapeError("chunk", "expects a tensor of at least one dimension", { x: t.shape });
  }
  const ax = normalizeAxis("chunk", axis, t.shape);
  const n = t.shape[ax]!;
  if (n === 0) return split(t, new Array<number>(chunks).fill(0), ax);
  return split(t, Math.ceil(n / chunks), ax);
}
