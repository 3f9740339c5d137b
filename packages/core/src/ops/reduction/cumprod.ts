import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/registry.js";
import { arange } from "../../creation.js";
import { isFloat } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { eq, ge, gt } from "../comparison.js";
import { unsqueeze } from "../composite/unsqueeze.js";
import { div } from "../div.js";
import { asTensor, empty } from "../kernels.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { movedim } from "../shape/movedim.js";
import { pad } from "../shape/pad.js";
import { sum } from "../sum.js";
import { where } from "../where.js";
import { any } from "./any.js";
import { cumsum, reverseCumsum } from "./cumsum.js";
import { scanAxis, scanLayout } from "./scan-layout.js";

/**
 * d cumprod(x)_j / dx_k = ∏_{i ≤ j, i ≠ k} x_i for j ≥ k, so dx_k = Σ_{j ≥ k} g_j·∏_{i ≤ j, i ≠ k} x_i.
 * Without zeros in x that is Σ_{j ≥ k} g_j·out_j / x_k. With zeros, the division fails, and
 * PyTorch's cumprod_backward takes one of two routes, as this does: a linear-time one when the
 * gradient will not itself be differentiated, and otherwise a quadratic one whose every piece
 * is a polynomial in x, so that its own derivative is the second derivative.
 */
function cumprodGradient(g: Tensor, x: Tensor, out: Tensor, axis: number): Tensor {
  // A 0-d tensor is its own running product.
  if (x.rank === 0) return g;
  const isZero = eq(x, 0);
  // Whether x holds a zero is read on the CPU only: on a device, waiting for the answer would
  // stall the backward pass (and a browser's main thread may not wait), so the routes that are
  // exact either way are taken.
  if (x.device === "cpu" && !any(isZero).item()) return div(reverseCumsum(mul(g, out), axis), x);
  return isGradEnabled() ? omittedProducts(g, x, axis) : splitAtFirstZero(g, x, out, isZero, axis);
}

/**
 * Each line split at its first zero z:
 *   k < z: Σ_{j ≥ k} g_j·out_j / x_k (no zero up to k, so the division is exact),
 *   k = z: Σ_{j ≥ z} g_j·cumprod(x with x_z = 1)_j,
 *   k > z: 0 (every product contains x_z = 0).
 * Right in value, but the k > z pieces are 0 only because x_z is, so not in derivative.
 */
function splitAtFirstZero(g: Tensor, x: Tensor, out: Tensor, isZero: Tensor, axis: number): Tensor {
  const zerosSoFar = cumsum(isZero, axis);
  const beforeZero = eq(zerosSoFar, 0);
  const firstZero = eq(mul(zerosSoFar, isZero), 1);
  const early = div(reverseCumsum(mul(g, out), axis), where(beforeZero, x, 1));
  const skipped = cumprod(where(firstZero, 1, x), axis);
  const atZero = reverseCumsum(mul(g, skipped), axis);
  return add(where(beforeZero, early, 0), where(firstZero, atZero, 0));
}

/**
 * dx_k = (∏_{i < k} x_i)·Σ_{j ≥ k} g_j·∏_{k < i ≤ j} x_i, built for all k at once on a new
 * axis: row k holds the running products of x from k + 1 on. No division, so exact with
 * zeros and differentiable again; n² elements per line of n.
 */
function omittedProducts(g: Tensor, x: Tensor, axis: number): Tensor {
  const line = movedim(x, axis, -1);
  const n = line.shape[line.rank - 1]!;
  const rows = reshape(arange(n), [n, 1]);
  const cols = arange(n);
  // [..., k, j] = x_j for j > k, 1 elsewhere; its running product along j is ∏_{k < i ≤ j} x_i.
  const later = where(gt(cols, rows), unsqueeze(line, -2), 1);
  const products = cumprod(later, -1);
  const weighted = where(ge(cols, rows), mul(unsqueeze(movedim(g, axis, -1), -2), products), 0);
  const before = cumprod(pad(line, [1, -1], { value: 1 }), -1);
  return movedim(mul(before, sum(weighted, -1)), -1, axis);
}

const cumprodOp: OpSpec<number> = {
  name: "cumprod",
  forward: ([x], axis) => {
    const out = empty(x.shape, isFloat(x.dtype) ? x.dtype : "int32");
    const { outer, axisLen, inner } = scanLayout(x.shape, axis);
    getBackend().scan("prod", x.storage, outer, axisLen, inner, out.storage, null);
    return out;
  },
  backward: (g, { inputs: [x], output, attrs: axis }) => [cumprodGradient(g, x!, output, axis)],
};

/**
 * Running product along `axis`: out[..., j, ...] = ∏_{i ≤ j} x[..., i, ...]. Its gradient is
 * exact with zeros in x (no division by them). Integer and boolean tensors give int32.
 * x: [...S] → [...S]
 * @example cumprod(tensor([1, 2, 3]), 0) // tensor([1., 2., 6.])
 */
export function cumprod(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x);
  return applyOp(cumprodOp, [t], scanAxis("cumprod", axis, t.shape));
}
