import { applyOp, type RegionOpSpec } from "../autograd/apply.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { RegionGradient } from "../autograd/region-gradient.js";
import { getBackend } from "../backend/registry.js";
import { ShapeError, ValueError } from "../errors.js";
import { type Shape, stridesOf } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, contiguousView, empty } from "./kernels.js";
import { sliceScatter } from "./slice-scatter.js";

/** A slice normalised to every axis: non-negative starts, positive steps, output lengths. */
export interface SliceSpec {
  readonly starts: readonly number[];
  readonly steps: readonly number[];
  readonly shape: Shape;
}

/** The region `spec` selects in a contiguous array of `shape`, as a strided view's layout. */
export function sliceLayout(shape: Shape, spec: SliceSpec): { offset: number; strides: number[] } {
  const strides = stridesOf(shape);
  let offset = 0;
  for (let d = 0; d < shape.length; d++) offset += spec.starts[d]! * strides[d]!;
  return { offset, strides: strides.map((s, d) => s * spec.steps[d]!) };
}

/** Python slice semantics per axis: negative indices count from the end, bounds clamp. */
function normalizeSlice(
  x: Tensor,
  begin: readonly number[],
  end: readonly (number | null)[] | undefined,
  step: readonly number[] | undefined,
): SliceSpec {
  if (begin.length > x.rank || (end && end.length > x.rank) || (step && step.length > x.rank)) {
    throw new ShapeError(
      "slice",
      "more slice bounds than dimensions",
      { x: x.shape },
      `begin has ${begin.length}, end ${end?.length ?? 0}, step ${step?.length ?? 0}`,
    );
  }
  const starts: number[] = [];
  const steps: number[] = [];
  const shape: number[] = [];
  for (let d = 0; d < x.rank; d++) {
    const n = x.shape[d]!;
    const s = step?.[d] ?? 1;
    if (!Number.isInteger(s) || s <= 0) {
      throw new ValueError("slice", `steps must be positive integers; got ${s} for axis ${d}`);
    }
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    const b = begin[d] ?? 0;
    const e = end?.[d] ?? n;
    if (!Number.isInteger(b) || !Number.isInteger(e)) {
      throw new ValueError("slice", `bounds must be integers; got ${b}:${e} for axis ${d}`);
    }
    const start = clamp(b);
    const stop = clamp(e);
    starts.push(start);
    steps.push(s);
    shape.push(Math.max(0, Math.ceil((stop - start) / s)));
  }
  return { starts, steps, shape };
}

const sliceOp: RegionOpSpec<SliceSpec> = {
  name: "slice",
  forward: ([x], spec) => {
    const out = empty(spec.shape, x.dtype);
    getBackend().copy(
      { data: x.storage, ...sliceLayout(x.shape, spec) },
      contiguousView(out),
      spec.shape,
    );
    return out;
  },
  // d slice(x) = g placed back where the slice came from, zeros elsewhere. Unless this pass is
  // recorded, the engine places it, together with the other slices' (see RegionGradient).
  backward: (g, { inputs: [x], attrs }) => [
    isGradEnabled() ? sliceScatter(g, x.shape, attrs) : new RegionGradient(g, x.shape, attrs),
  ],
};

/**
 * The elements from `begin` up to (not including) `end`, every `step`-th, per axis, with
 * Python's slice rules (negative indices count from the end; null or a missing entry means
 * "to the end"). Axes beyond the arrays are taken whole.
 * x: [4, 5], begin [1, 0], end [3, null] → [2, 5]
 * @example slice(tensor([10, 11, 12, 13]), [1], [-1]) // tensor([11., 12.])
 */
export function slice(
  x: TensorLike,
  begin: readonly number[],
  end?: readonly (number | null)[],
  step?: readonly number[],
): Tensor {
  const t = asTensor(x);
  return applyOp(sliceOp, [t], normalizeSlice(t, begin, end, step));
}

/** The op behind `slice`, for ops whose gradient is a slice of a known region. */
export function sliceWith(x: Tensor, spec: SliceSpec): Tensor {
  return applyOp(sliceOp, [x], spec);
}
