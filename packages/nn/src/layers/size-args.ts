// Reading PyTorch-style size arguments (a number, or one per spatial axis) for the
// convolution, pooling and upsampling layers, with errors that name the layer and option.
import { ValueError } from "@tensortape/core";

/** A size per spatial axis, or one number for all of them. */
export type Size = number | readonly number[];

/**
 * `value` as one integer per spatial axis (a number repeats), each at least `min`; a
 * ValueError naming the layer and option otherwise.
 */
export function perAxis(
  layer: string,
  name: string,
  value: Size,
  rank: number,
  min: number,
): number[] {
  const values = typeof value === "number" ? new Array<number>(rank).fill(value) : value;
  const shown = Array.isArray(values) ? `[${values.join(", ")}]` : String(value);
  if (
    !Array.isArray(values) ||
    values.length !== rank ||
    values.some((v) => typeof v !== "number" || !Number.isInteger(v) || v < min)
  ) {
    const what = rank === 1 ? "an integer" : `an integer or ${rank} integers`;
    throw new ValueError(layer, `${name} must be ${what} ≥ ${min}; got ${shown}`);
  }
  return [...values];
}

/** How a layer prints a per-axis size: `3` for [3], `(3, 3)` for [3, 3]. */
export function showSize(values: readonly number[]): string {
  return values.length === 1 ? String(values[0]) : `(${values.join(", ")})`;
}
