import { tensor } from "../../creation.js";
import type { DeviceName } from "../../device.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { indexSelect } from "../indexing/index-select.js";
import { asTensor, requireFloat } from "../kernels.js";
import { matmul } from "../matmul.js";
import { booleanOption } from "../sorting/sort.js";
import { perAxis, type SizeArg } from "./window-args.js";

/** How `interpolate` reads between input elements. */
export type InterpolateMode = "nearest" | "bilinear";

/** Options of `interpolate`: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** The output's spatial size. */
  readonly size?: SizeArg;
  /** The output's spatial size as a multiple of the input's (rounded down). */
  readonly scaleFactor?: number | readonly number[];
  /** Default "nearest". */
  readonly mode?: InterpolateMode;
  /** Bilinear only: map the corner elements' centres onto each other. Default false. */
  readonly alignCorners?: boolean;
}

const MODES: readonly InterpolateMode[] = ["nearest", "bilinear"];

/** PyTorch's compute_scales_value: 1/scaleFactor when one was given, else in/out. */
const scaleOf = (size: number, out: number, factor: number | undefined) =>
  factor !== undefined && factor > 0 ? 1 / factor : size / out;

/**
 * The source element of each output position along one axis, as PyTorch's nearest_idx
 * computes it (in float32: ⌊o·scale⌋, capped at the last element).
 */
function nearestIndex(
  size: number,
  out: number,
  factor: number | undefined,
  device: DeviceName,
): Tensor {
  const scale = Math.fround(scaleOf(size, out, factor));
  const index = Array.from({ length: out }, (_, o) => {
    if (out === size) return o;
    if (out === 2 * size) return o >> 1;
    return Math.min(Math.floor(Math.fround(o * scale)), size - 1);
  });
  return tensor(index, { dtype: "int32", device });
}

/**
 * The linear-interpolation matrix of one axis, [out, size]: row o weighs the two input
 * elements around its source position, as PyTorch's upsample_bilinear2d places it.
 */
function linearMatrix(
  size: number,
  out: number,
  factor: number | undefined,
  alignCorners: boolean,
  x: Tensor,
): Tensor {
  const scale = alignCorners ? (out > 1 ? (size - 1) / (out - 1) : 0) : scaleOf(size, out, factor);
  const m = new Array<number>(out * size).fill(0);
  for (let o = 0; o < out; o++) {
    const source = alignCorners ? scale * o : Math.max(scale * (o + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(source), size - 1);
    const lambda = Math.min(Math.max(source - i0, 0), 1);
    const i1 = i0 < size - 1 ? i0 + 1 : i0;
    m[o * size + i0]! += 1 - lambda;
    m[o * size + i1]! += lambda;
  }
  return tensor(m, { dtype: x.dtype, shape: [out, size], device: x.device });
}

/**
 * Resizes the spatial axes of a batch (PyTorch's `interpolate`): "nearest" copies the
 * nearest-below source element (`indexSelect` per axis), "bilinear" weighs the two nearest
 * along each axis (a product with an interpolation matrix on either side). A 3-D input has
 * one spatial axis (nearest only), a 4-D input two.
 * x: [N, C, L] or [N, C, H, W] → [N, C, L_out] or [N, C, H_out, W_out]
 * @example interpolate(tensor([[[1, 2]]]), { scaleFactor: 2 }) // [[[1, 1, 2, 2]]]
 */
export function interpolate(x: TensorLike, options: InterpolateOptions): Tensor {
  const op = "interpolate";
  checkOptions(op, options, ["size", "scaleFactor", "mode", "alignCorners"]);
  const t = asTensor(x);
  requireFloat(op, t);
  const mode = options.mode ?? "nearest";
  if (!MODES.includes(mode)) {
    throw new ValueError(op, `unknown mode "${String(mode)}"; expected one of ${MODES.join(", ")}`);
  }
  if (t.rank !== 3 && t.rank !== 4) {
    throw new ShapeError(
      op,
      "expects a 3-D input [N, C, L] or a 4-D one [N, C, H, W]",
      { x: t.shape },
      `rank ${t.rank}`,
    );
  }
  const spatial = t.rank - 2;
  if (mode === "bilinear" && spatial !== 2) {
    throw new ShapeError(op, `bilinear mode needs a 4-D input [N, C, H, W]`, { x: t.shape });
  }
  if (options.alignCorners !== undefined && mode !== "bilinear") {
    throw new ValueError(op, `alignCorners only applies to mode "bilinear"; got mode "${mode}"`);
  }
  const alignCorners = booleanOption(op, "alignCorners", options.alignCorners, false);
  if ((options.size === undefined) === (options.scaleFactor === undefined)) {
    throw new ValueError(op, "exactly one of size and scaleFactor must be given");
  }
  const inShape = t.shape.slice(2);
  let factors: (number | undefined)[] = inShape.map(() => undefined);
  let outShape: number[];
  if (options.size !== undefined) {
    outShape = perAxis(op, "size", options.size, spatial, 1, 1);
  } else {
    const f = options.scaleFactor!;
    const list = typeof f === "number" ? inShape.map(() => f) : [...f];
    if (list.length !== spatial || list.some((v) => typeof v !== "number" || !(v > 0))) {
      throw new ValueError(
        op,
        `scaleFactor must be a positive number or an array of ${spatial}; got ${typeof f === "number" ? f : `[${list.join(", ")}]`}`,
      );
    }
    factors = list;
    outShape = inShape.map((size, d) => Math.floor(size * list[d]!));
  }
  if (outShape.some((o) => o < 1) || inShape.some((i) => i < 1)) {
    throw new ShapeError(
      op,
      "input and output spatial sizes must be positive",
      { x: t.shape },
      `output [${outShape.join(", ")}]`,
    );
  }
  let y = t;
  for (let d = 0; d < spatial; d++) {
    const axis = 2 + d;
    const [size, out, factor] = [inShape[d]!, outShape[d]!, factors[d]];
    if (mode === "nearest") {
      y = indexSelect(y, axis, nearestIndex(size, out, factor, t.device));
    } else if (axis === t.rank - 1) {
      y = matmul(y, linearMatrix(size, out, factor, alignCorners, t), { transB: true });
    } else {
      y = matmul(linearMatrix(size, out, factor, alignCorners, t), y);
    }
  }
  return y;
}
