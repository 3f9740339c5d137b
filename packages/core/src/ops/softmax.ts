import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { normalizeAxis } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, empty, requireFloat } from "./kernels.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";
import { sum } from "./sum.js";
import { swapAxes } from "./transpose.js";

/** Runs the row-wise softmax kernel along `axis`, moving that axis last and back if needed. */
export function softmaxAlong(x: Tensor, axis: number, log: boolean): Tensor {
  const last = x.rank - 1;
  if (axis !== last) return swapAxes(softmaxAlong(swapAxes(x, axis, last), last, log), axis, last);
  const out = empty(x.shape, x.dtype);
  const cols = x.shape[last] ?? 1;
  getBackend().softmax(x.storage, cols === 0 ? 0 : x.size / cols, cols, out.storage, log);
  return out;
}

const softmaxOp: OpSpec<number> = {
  name: "softmax",
  forward: ([x], axis) => softmaxAlong(x, axis, false),
  // ∂s_i/∂x_j = s_i(δ_ij − s_j), so the VJP is s ⊙ (g − Σ_j g_j s_j)
  backward: (g, { output: s, attrs: axis }) => [mul(s, sub(g, sum(mul(g, s), axis, true)))],
};

/**
 * Softmax along `axis`: exp(x_i − max) / Σ_j exp(x_j − max), stable for any finite logits.
 * x: [N, C], axis -1 → [N, C], each row summing to 1
 * @example softmax(tensor([0, Math.log(3)])) // tensor([0.2500, 0.7500])
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = asTensor(x);
  requireFloat("softmax", t);
  const ax = normalizeAxis("softmax", axis, t.shape);
  // A 0-d tensor is one row of one element (axis 0 or -1, as in PyTorch).
  if (t.rank === 0) return applyOp(softmaxOp, [t.reshape([1])], 0).reshape([]);
  return applyOp(softmaxOp, [t], ax);
}
