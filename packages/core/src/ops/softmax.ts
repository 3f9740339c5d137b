import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { normalizeAxis } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { exp } from "./exp.js";
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

interface SoftmaxBackwardAttrs {
  readonly axis: number;
  /** y is a log-softmax. */
  readonly log: boolean;
}

/**
 * The VJP of softmax (log: of log-softmax) along `axis` as one op of the forward's output y and
 * the incoming gradient g, one kernel pass over each row, with its own rule so that it is
 * differentiated again for second derivatives.
 */
const softmaxBackwardOp: OpSpec<SoftmaxBackwardAttrs> = {
  name: "softmaxBackward",
  forward: ([y, g], { axis, log }) => {
    const last = y.rank - 1;
    if (axis !== last) {
      const moved = softmaxBackward(swapAxes(y, axis, last), swapAxes(g, axis, last), last, log);
      return swapAxes(moved, axis, last);
    }
    const out = empty(y.shape, y.dtype);
    const cols = y.shape[last] ?? 1;
    const rows = cols === 0 ? 0 : y.size / cols;
    getBackend().softmaxBackward(y.storage, g.storage, rows, cols, out.storage, log);
    return out;
  },
  backward: (u, { inputs: [y, g], attrs: { axis, log } }) => {
    if (log) {
      // out = g − exp(y)·Σg: ∂/∂y = −u ⊙ exp(y)·Σg, ∂/∂g = u − Σ(u ⊙ exp(y))
      const ue = mul(u, exp(y!));
      return [
        y!.requiresGrad ? mul(ue, sum(g!, axis, true)).neg() : null,
        g!.requiresGrad ? sub(u, sum(ue, axis, true)) : null,
      ];
    }
    // out = y ⊙ (g − Σ g⊙y): ∂/∂y = u ⊙ (g − Σ g⊙y) − g·Σ(u⊙y), and ∂/∂g is this op again for u
    const dy = y!.requiresGrad
      ? sub(mul(u, sub(g!, sum(mul(g!, y!), axis, true))), mul(g!, sum(mul(u, y!), axis, true)))
      : null;
    return [dy, g!.requiresGrad ? softmaxBackward(y!, u, axis, false) : null];
  },
};

/** softmaxBackwardOp on y and g (already of one shape), `axis` normalised. */
export function softmaxBackward(y: Tensor, g: Tensor, axis: number, log: boolean): Tensor {
  return applyOp(softmaxBackwardOp, [y, g], { axis, log });
}

const softmaxOp: OpSpec<number> = {
  name: "softmax",
  forward: ([x], axis) => softmaxAlong(x, axis, false),
  // ∂s_i/∂x_j = s_i(δ_ij − s_j), so the VJP is s ⊙ (g − Σ_j g_j s_j)
  backward: (g, { output: s, attrs: axis }) => [softmaxBackward(s, g, axis, false)],
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
