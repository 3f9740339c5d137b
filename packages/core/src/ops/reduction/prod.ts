import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { isFloat } from "../../dtype.js";
import { normalizeAxes, reducedShape, sizeOf } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { asTensor, empty } from "../kernels.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { flip } from "../shape/flip.js";
import { pad } from "../shape/pad.js";
import type { ReduceAttrs } from "../sum.js";
import { transpose } from "../transpose.js";
import { cumprod } from "./cumprod.js";

/**
 * ∏_{i ≠ k} x_i over the reduced axes, for every k: the product of the elements before k
 * times the product of those after it, each an exclusive running product. No division, so
 * zeros in x are exact (PyTorch's prod_backward takes the same route when x holds a zero).
 */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  // No elements, no products: an empty gradient of x's shape.
  if (x.size === 0) return x;
  // Bring the reduced axes last and merge them into one line per kept position.
  const kept = x.shape.flatMap((_, d) => (axes.includes(d) ? [] : [d]));
  const perm = [...kept, ...axes];
  const moved = transpose(x, perm);
  const keptShape = kept.map((d) => x.shape[d]!);
  const line = reshape(moved, [...keptShape, sizeOf(axes.map((d) => x.shape[d]!))]);
  const last = keptShape.length;
  // Shifted one place with a 1 let in: [1, x_0, …, x_{n−2}] and [x_1, …, x_{n−1}, 1].
  const before = cumprod(pad(line, [1, -1], { value: 1 }), last);
  const after = flip(cumprod(flip(pad(line, [-1, 1], { value: 1 }), last), last), last);
  const others = reshape(mul(before, after), moved.shape);
  const inverse = new Array<number>(perm.length);
  perm.forEach((d, i) => {
    inverse[d] = i;
  });
  return transpose(others, inverse);
}

const prodOp: OpSpec<ReduceAttrs> = {
  name: "prod",
  forward: ([x], { axes, keepDims }) => {
    const out = empty(reducedShape(x.shape, axes, keepDims), isFloat(x.dtype) ? x.dtype : "int32");
    getBackend().reduce("prod", x.storage, x.shape, axes, out.storage);
    return out;
  },
  // d ∏ x / dx_k = g·∏_{i ≠ k} x_i
  backward: (g, { inputs: [x], attrs: { axes } }) => [
    mul(
      broadcastTo(reshape(g, reducedShape(x.shape, axes, true)), x.shape),
      productOfOthers(x, axes),
    ),
  ],
};

/**
 * Product over `axis` (one, several, or all when omitted); `keepDims` keeps reduced axes as 1.
 * The product over an empty axis is 1. Its gradient is exact with zeros in x. Integer and
 * boolean tensors multiply to int32 (PyTorch: int64).
 * x: [2, 3], axis 1 → [2]
 * @example prod(tensor([[1, 2], [3, 4]]), 1) // tensor([2., 12.])
 */
export function prod(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x);
  return applyOp(prodOp, [t], { axes: normalizeAxes("prod", axis, t.shape), keepDims });
}
