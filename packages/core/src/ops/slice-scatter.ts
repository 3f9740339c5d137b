import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { RegionGradient } from "../autograd/region-gradient.js";
import { backendOf, getBackend } from "../backend/registry.js";
import type { Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { contiguousView, empty } from "./kernels.js";
import { type SliceSpec, sliceLayout, sliceWith } from "./slice.js";

interface SliceScatterAttrs {
  readonly shape: Shape;
  readonly spec: SliceSpec;
}

const sliceScatterOp: OpSpec<SliceScatterAttrs> = {
  name: "sliceScatter",
  forward: ([x], { shape, spec }) => {
    const out = empty(shape, x.dtype);
    getBackend().copy(
      contiguousView(x),
      { data: out.storage, ...sliceLayout(shape, spec) },
      spec.shape,
    );
    return out;
  },
  // d sliceScatter(x) = the same region of g
  backward: (g, { attrs: { spec } }) => [sliceWith(g, spec)],
};

/**
 * A zero tensor of `shape` with x written into the region `spec` selects: the transpose of
 * `slice`, and its gradient.
 */
export function sliceScatter(x: Tensor, shape: Shape, spec: SliceSpec): Tensor {
  return applyOp(sliceScatterOp, [x], { shape, spec });
}

/**
 * Whether two regions of one shape surely share no element: on some axis their indices never
 * meet (intervals apart, or the same step with starts in different residues). Regions that
 * may interleave are taken as overlapping, which only costs an addition.
 */
function disjoint(a: SliceSpec, b: SliceSpec): boolean {
  for (let d = 0; d < a.shape.length; d++) {
    const n = a.shape[d]!;
    const m = b.shape[d]!;
    if (n === 0 || m === 0) return true;
    const aLast = a.starts[d]! + (n - 1) * a.steps[d]!;
    const bLast = b.starts[d]! + (m - 1) * b.steps[d]!;
    if (aLast < b.starts[d]! || bLast < a.starts[d]!) return true;
    const step = a.steps[d]!;
    if (step === b.steps[d]! && (a.starts[d]! - b.starts[d]!) % step !== 0) return true;
  }
  return false;
}

/** Whether region i of `regions` may share an element with one before it. */
function overlapsEarlier(regions: readonly RegionGradient[], i: number): boolean {
  for (let j = 0; j < i; j++) if (!disjoint(regions[j]!.region, regions[i]!.region)) return true;
  return false;
}

/** Whether any two of `regions` may share an element. */
export function regionsOverlap(regions: readonly RegionGradient[]): boolean {
  return regions.some((_, i) => overlapsEarlier(regions, i));
}

/**
 * The sum of gradients that are each zero outside a region of `shape` (see RegionGradient):
 * one zeroed tensor, each region's values copied in where no earlier region reached, added
 * in where one did. Not recorded; the caller runs it with recording off.
 */
export function placeRegions(shape: Shape, regions: readonly RegionGradient[]): Tensor {
  const first = regions[0]!;
  const out = sliceScatter(first.values, shape, first.region);
  const backend = backendOf(out.storage);
  for (let i = 1; i < regions.length; i++) {
    const { values, region } = regions[i]!;
    const source = overlapsEarlier(regions, i) ? add(sliceWith(out, region), values) : values;
    backend.copy(
      contiguousView(source),
      { data: out.storage, ...sliceLayout(shape, region) },
      region.shape,
    );
  }
  return out;
}
