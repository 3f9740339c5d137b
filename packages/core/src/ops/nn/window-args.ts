/**
 * What the convolution and pooling ops share: reading PyTorch-style size arguments (a number
 * or one per spatial axis), output sizes, the window geometry the backend kernels take, and
 * the unbatched-input convention ([C, ...spatial] runs as a batch of one).
 */
import type { WindowGeometry } from "../../backend/backend.js";
import { ShapeError, ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { reshape } from "../reshape.js";

/** A size per spatial axis, or one number for all of them. */
export type SizeArg = number | readonly number[];

/** The sliding window of an op over `rank` spatial axes, every entry one per axis. */
export interface Window {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  /** Padding on the leading side; the far side pads as far as `outShape` reaches. */
  readonly padding: readonly number[];
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
}

/**
 * `value` as one integer per spatial axis (a number repeats), each at least `min`; throws a
 * ValueError naming the op and option otherwise.
 */
export function perAxis(
  op: string,
  name: string,
  value: SizeArg | undefined,
  rank: number,
  fallback: number,
  min: number,
): number[] {
  if (value === undefined) return new Array<number>(rank).fill(fallback);
  if (!Array.isArray(value) && typeof value !== "number") {
    throw new ValueError(
      op,
      `${name} must be a number or an array of ${rank}; got ${String(value)}`,
    );
  }
  const values = typeof value === "number" ? new Array<number>(rank).fill(value) : [...value];
  const shown = typeof value === "number" ? String(value) : `[${values.join(", ")}]`;
  if (values.length !== rank) {
    throw new ValueError(
      op,
      `${name} must be a number or an array of ${rank} (one per spatial axis); got ${shown}`,
    );
  }
  for (const v of values) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new ValueError(op, `${name} must hold integers of at least ${min}; got ${shown}`);
    }
  }
  return values;
}

/** Elements a window of `kernel` taps spaced `dilation` apart spans. */
export const span = (kernel: number, dilation: number) => dilation * (kernel - 1) + 1;

/** Window positions along an axis of `size` padded by `padBefore` + `padAfter`. */
export function positions(
  size: number,
  padBefore: number,
  padAfter: number,
  kernel: number,
  stride: number,
  dilation: number,
): number {
  return Math.floor((size + padBefore + padAfter - span(kernel, dilation)) / stride) + 1;
}

/** The backend's geometry for `planes` independent planes windowed by `w`. */
export function geometry(planes: number, w: Window): WindowGeometry {
  return { planes, ...w };
}

/** The product of a list of sizes. */
export const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * x as a batch: [C, ...spatial] (rank `spatial` + 1) gains a batch axis of 1, which `restore`
 * takes off the result again; [N, C, ...spatial] passes as it is. Other ranks throw, naming
 * the op and every shape in `shapes` beside x's.
 */
export function asBatch(
  op: string,
  x: Tensor,
  spatial: number,
  shapes: Readonly<Record<string, readonly number[]>> = {},
): { x: Tensor; restore: (out: Tensor) => Tensor } {
  if (x.rank === spatial + 2) return { x, restore: (out) => out };
  if (x.rank === spatial + 1) {
    return {
      x: reshape(x, [1, ...x.shape]),
      restore: (out) => reshape(out, out.shape.slice(1)),
    };
  }
  const axes = spatial === 1 ? "L" : spatial === 2 ? "H, W" : "...";
  throw new ShapeError(
    op,
    `expects a ${spatial + 2}-D input [N, C, ${axes}] or an unbatched ${spatial + 1}-D one [C, ${axes}]`,
    { x: x.shape, ...shapes },
    `rank ${x.rank}`,
  );
}
