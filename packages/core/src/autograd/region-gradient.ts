import type { SliceSpec } from "../ops/slice.js";
import type { Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";

/**
 * A gradient that is zero outside one region of its tensor, returned by `slice`'s backward
 * rule in place of the zero-padded tensor while the backward pass is not itself recorded.
 * The engine keeps the regions that reach a tensor apart until its gradient is needed and
 * then writes them into a single zeroed tensor, so the pieces of a split (attention's queries,
 * keys and values, an LSTM's four gates) cost one full-size gradient between them rather than
 * one each and the sums of those.
 */
export class RegionGradient {
  constructor(
    /** The gradient inside the region: a tensor of shape `region.shape`. */
    readonly values: Tensor,
    /** The shape of the whole gradient: the sliced tensor's. */
    readonly shape: Shape,
    /** Where `values` sits in it, as the slice took it. */
    readonly region: SliceSpec,
  ) {}
}
