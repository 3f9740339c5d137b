import { full } from "../../creation.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { concat } from "../concat.js";
import { asTensor } from "../kernels.js";
import { flip } from "./flip.js";
import { sliceAxis } from "./slice-axis.js";

/** How `pad` fills: a constant, the mirror image without the edge, the edge, or wrap-around. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** How `pad` fills the new elements. */
export interface PadOptions {
  /** Default "constant". */
  readonly mode?: PadMode;
  /** The fill of constant padding. Default 0. */
  readonly value?: number;
}

const MODES: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];

/** What goes before (`side` "before") or after x along `axis`, `size` elements of it. */
function padding(
  x: Tensor,
  axis: number,
  size: number,
  side: "before" | "after",
  mode: PadMode,
  value: number,
): Tensor {
  const n = x.shape[axis]!;
  const shape = x.shape.map((d, i) => (i === axis ? size : d));
  const before = side === "before";
  switch (mode) {
    case "constant":
      return full(shape, value, { dtype: x.dtype, device: x.device });
    case "reflect":
      // The mirror image about the edge element, which is not repeated: x[size], …, x[1].
      return flip(
        before ? sliceAxis(x, axis, 1, size + 1) : sliceAxis(x, axis, n - 1 - size, n - 1),
        axis,
      );
    case "replicate":
      return broadcastTo(before ? sliceAxis(x, axis, 0, 1) : sliceAxis(x, axis, n - 1, n), shape);
    case "circular":
      return before ? sliceAxis(x, axis, n - size, n) : sliceAxis(x, axis, 0, size);
  }
}

/** Checks that `mode` can read `size` padding elements from the (cropped) axis of x. */
function checkReach(
  x: Tensor,
  axis: number,
  size: number,
  mode: PadMode,
  original: Tensor,
  pads: readonly number[],
): void {
  if (size === 0 || mode === "constant") return;
  const n = x.shape[axis]!;
  const fits = mode === "reflect" ? size < n : mode === "circular" ? size <= n : n > 0;
  if (fits) return;
  const need =
    mode === "reflect"
      ? `an axis longer than ${size}`
      : mode === "circular"
        ? `an axis of at least ${size}`
        : "a nonempty axis";
  throw new ShapeError(
    "pad",
    `${mode} padding of ${size} on axis ${axis} needs ${need}`,
    { x: original.shape },
    `pads [${pads.join(", ")}]; after cropping, axis ${axis} has ${n} elements`,
  );
}

/**
 * Pads (or, with negative amounts, crops) the trailing axes, in PyTorch's order: `pads` is
 * [before, after] for the last axis, then for the one before it, and so on. Negative amounts
 * crop first; the padding is then read from the cropped tensor, as in PyTorch. Built from
 * slices, flips and concat, which carry the gradient (the copies a reflect, replicate or
 * circular pad makes add their gradients back onto the elements they copied).
 * x: [..., W], pads [1, 2] → [..., W + 3]
 * @example pad(tensor([1, 2, 3]), [1, 1], { mode: "reflect" }) // tensor([2., 1., 2., 3., 2.])
 */
export function pad(x: TensorLike, pads: readonly number[], options: PadOptions = {}): Tensor {
  checkOptions("pad", options, ["mode", "value"]);
  const t = asTensor(x);
  const mode = options.mode ?? "constant";
  if (!MODES.includes(mode)) {
    throw new ValueError(
      "pad",
      `unknown mode "${String(mode)}"; expected one of ${MODES.join(", ")}`,
    );
  }
  if (options.value !== undefined && mode !== "constant") {
    throw new ValueError(
      "pad",
      `a fill value only applies to constant padding; got mode "${mode}"`,
    );
  }
  const value = options.value ?? 0;
  if (typeof value !== "number") {
    throw new ValueError("pad", `value must be a number; got ${typeof value}`);
  }
  if (pads.length % 2 !== 0 || pads.length > 2 * t.rank) {
    throw new ShapeError(
      "pad",
      "pads must hold a [before, after] pair for each padded trailing axis",
      { x: t.shape },
      `${pads.length} entries for rank ${t.rank}`,
    );
  }
  for (const p of pads) {
    if (!Number.isInteger(p))
      throw new ValueError("pad", `pads must be integers; got [${pads.join(", ")}]`);
  }
  let out = t;
  for (let i = 0; i < pads.length / 2; i++) {
    const axis = t.rank - 1 - i;
    const before = pads[2 * i]!;
    const after = pads[2 * i + 1]!;
    const n = out.shape[axis]!;
    if (-Math.min(before, 0) - Math.min(after, 0) > n) {
      throw new ShapeError(
        "pad",
        `cropping axis ${axis} leaves a negative size`,
        { x: t.shape },
        `pads [${pads.join(", ")}] take ${before} and ${after} from ${n} elements`,
      );
    }
    out = sliceAxis(out, axis, Math.max(0, -before), n - Math.max(0, -after));
    checkReach(out, axis, Math.max(0, before), mode, t, pads);
    checkReach(out, axis, Math.max(0, after), mode, t, pads);
    const parts: Tensor[] = [];
    if (before > 0) parts.push(padding(out, axis, before, "before", mode, value));
    parts.push(out);
    if (after > 0) parts.push(padding(out, axis, after, "after", mode, value));
    if (parts.length > 1) out = concat(parts, axis);
  }
  return out;
}
