import { AxisError, ShapeError } from "./errors.js";

/** The size of each axis, outermost first; `[]` is the shape of a 0-d tensor. */
export type Shape = readonly number[];

/** Prints a shape the one way every message does: `[2, 3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Number of elements of a tensor of this shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** Whether two shapes have the same rank and sizes. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The most elements a tensor may hold: indices are int32 (argmax, gather), so 2³¹ − 1, which
 * is also within every engine's typed-array limit.
 */
export const MAX_ELEMENTS = 2147483647;

/**
 * Throws unless every dimension is a non-negative integer and the element count is at most
 * `MAX_ELEMENTS` (counted exactly: a zero anywhere makes it zero, but no dimension may be
 * absurd on its own, as PyTorch rejects sizes beyond int64).
 */
export function checkShape(op: string, shape: Shape): void {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        op,
        "dimensions must be non-negative integers",
        { shape },
        `${d} is not`,
      );
    }
    if (d > MAX_ELEMENTS) {
      throw new ShapeError(
        op,
        "dimension too large",
        { shape },
        `${d} is more than the ${MAX_ELEMENTS} elements a tensor can hold`,
      );
    }
    // Capped so that many large dimensions before a zero never make Infinity · 0 = NaN.
    size = Math.min(size * d, MAX_ELEMENTS + 1);
  }
  if (size > MAX_ELEMENTS && !shape.includes(0)) {
    throw new ShapeError(
      op,
      "too many elements",
      { shape },
      `${formatShape(shape)} holds more than the ${MAX_ELEMENTS} elements a tensor can hold`,
    );
  }
}

/**
 * Maps a possibly negative axis into `[0, rank)`. A 0-d tensor counts as having one axis of
 * size 1 (PyTorch's `maybe_wrap_dim` with `wrap_scalar`): 0 and -1 are accepted and give 0,
 * which names no dimension of its shape.
 */
export function normalizeAxis(op: string, axis: number, shape: Shape): number {
  const rank = Math.max(shape.length, 1);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new AxisError(op, axis, shape);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises `axis` (one, several, or all when undefined) into sorted unique axes. A 0-d
 * tensor accepts 0 and -1 (see `normalizeAxis`) and gives no axes: reducing or squeezing its
 * one notional axis of size 1 leaves it as it is.
 */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined,
  shape: Shape,
): number[] {
  if (axis === undefined) return shape.map((_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  const axes = list.map((a) => normalizeAxis(op, a, shape));
  const seen = new Set<number>();
  for (let i = 0; i < axes.length; i++) {
    if (seen.has(axes[i]!)) throw new AxisError(op, list[i]!, shape, "axis repeated");
    seen.add(axes[i]!);
  }
  if (shape.length === 0) return [];
  return axes.sort((x, y) => x - y);
}

/** NumPy broadcasting: align trailing dimensions; each pair must match or contain a 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  // Indices are checked rather than read past the front of a shorter shape: an
  // out-of-bounds read makes the engine search the array's prototype chain, every op.
  const padA = rank - a.length;
  const padB = rank - b.length;
  for (let i = 0; i < rank; i++) {
    const da = i < padA ? 1 : a[i - padA]!;
    const db = i < padB ? 1 : b[i - padB]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        op,
        "shapes cannot be broadcast together",
        { a, b },
        `dimension ${i - rank} is ${da} in a and ${db} in b`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read an array of shape `from` as if it had the broadcast shape `to`:
 * 0 along every dimension that is broadcast.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  // One array, filled from the last dimension while accumulating `from`'s own strides: this
  // runs for each operand of every elementwise op.
  const strides = new Array<number>(to.length);
  const offset = to.length - from.length;
  let stride = 1;
  for (let i = to.length - 1; i >= 0; i--) {
    const j = i - offset;
    const size = j < 0 ? 1 : from[j]!;
    strides[i] = size === 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

/** Whether an array of shape `from` broadcasts to `to` (used to sum gradients back). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[i + offset]);
}

/** The shape left after reducing `axes` (sorted, normalised), with 1s kept if `keepDims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!axes.includes(d)) out.push(shape[d]!);
    else if (keepDims) out.push(1);
  }
  return out;
}
