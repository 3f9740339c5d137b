import { AxisError } from "../../errors.js";
import { normalizeAxis, type Shape, sizeOf } from "../../shape.js";

/**
 * The axis a cumulative op runs along. A 0-d tensor scans as one element along axis 0 or -1,
 * as in PyTorch.
 */
export function scanAxis(op: string, axis: number, shape: Shape): number {
  if (shape.length === 0) {
    if (axis === 0 || axis === -1) return 0;
    throw new AxisError(op, axis, shape, "axis out of range (a 0-d tensor takes axis 0 or -1)");
  }
  return normalizeAxis(op, axis, shape);
}

/** `shape` viewed as [outer, axisLen, inner] around `axis`, as the scan kernel takes it. */
export function scanLayout(
  shape: Shape,
  axis: number,
): { outer: number; axisLen: number; inner: number } {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisLen: shape[axis] ?? 1,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}
