import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { normalizeAxes, stridesOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, contiguousView, empty } from "../kernels.js";

const flipOp: OpSpec<readonly number[]> = {
  name: "flip",
  forward: ([x], axes) => {
    // Read x from the far end of each flipped axis: a negative stride from the last element.
    let offset = 0;
    const strides = stridesOf(x.shape).map((s, d) => {
      if (!axes.includes(d) || x.shape[d] === 0) return s;
      offset += (x.shape[d]! - 1) * s;
      return -s;
    });
    const out = empty(x.shape, x.dtype);
    getBackend().copy({ data: x.storage, offset, strides }, contiguousView(out), x.shape);
    return out;
  },
  // d flip(x) = flip(g): flipping is its own inverse
  backward: (g, { attrs: axes }) => [flip(g, axes)],
};

/**
 * Reverses the order of the elements along `axes` (one or several). Copies.
 * x: [...S] → [...S]
 * @example flip(tensor([[1, 2], [3, 4]]), 1) // tensor([[2., 1.], [4., 3.]])
 */
export function flip(x: TensorLike, axes: number | readonly number[]): Tensor {
  const t = asTensor(x);
  return applyOp(flipOp, [t], normalizeAxes("flip", axes, t.shape));
}
