import { AxisError, ShapeError } from "../../errors.js";
import { normalizeAxis } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { transpose } from "../transpose.js";

/**
 * Moves the axes `source` to the positions `destination`; the other axes keep their order
 * in the places left. A transpose, so it copies.
 * x: [2, 3, 4], source 0, destination -1 → [3, 4, 2]
 * @example movedim(zeros([2, 3, 4]), 0, -1).shape // [3, 4, 2]
 */
export function movedim(
  x: TensorLike,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  const t = asTensor(x);
  const from = (typeof source === "number" ? [source] : source).map((a) =>
    normalizeAxis("movedim", a, t.shape),
  );
  const to = (typeof destination === "number" ? [destination] : destination).map((a) =>
    normalizeAxis("movedim", a, t.shape),
  );
  if (from.length !== to.length) {
    throw new ShapeError(
      "movedim",
      "source and destination must name as many axes",
      { x: t.shape, source: from, destination: to },
      `${from.length} and ${to.length}`,
    );
  }
  for (const [name, list] of [
    ["source", from],
    ["destination", to],
  ] as const) {
    const repeated = list.find((a, i) => list.indexOf(a) !== i);
    if (repeated !== undefined) {
      throw new AxisError("movedim", repeated, t.shape, `axis repeated in ${name}`);
    }
  }
  const perm = new Array<number>(t.rank).fill(-1);
  from.forEach((a, i) => {
    perm[to[i]!] = a;
  });
  const rest = [...t.shape.keys()].filter((d) => !from.includes(d));
  for (let d = 0, r = 0; d < t.rank; d++) if (perm[d] === -1) perm[d] = rest[r++]!;
  return transpose(t, perm);
}
