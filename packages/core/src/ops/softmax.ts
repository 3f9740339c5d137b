import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ShapeError } from "../errors.js";
import { normalizeAxis, shapesEqual } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { exp } from "./exp.js";
import { asTensor, empty, requireFloat } from "./kernels.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";
import { sum } from "./sum.js";
import { swapAxes } from "./transpose.js";

/**
 * A row-wise kernel along `axis` of same-shaped inputs: `kernel` gets their storage as rows of
 * the axis's length and writes an output of their shape. An axis that is not last is moved
 * last (a copy) and back.
 */
function alongRows(
  inputs: readonly Tensor[],
  axis: number,
  kernel: (
    storage: Tensor["storage"][],
    rows: number,
    cols: number,
    out: Tensor["storage"],
  ) => void,
): Tensor {
  const x = inputs[0]!;
  const last = x.rank - 1;
  if (axis !== last) {
    const moved = inputs.map((t) => swapAxes(t, axis, last));
    return swapAxes(alongRows(moved, last, kernel), axis, last);
  }
  const out = empty(x.shape, x.dtype);
  const cols = x.shape[last] ?? 1;
  kernel(
    inputs.map((t) => t.storage),
    cols === 0 ? 0 : x.size / cols,
    cols,
    out.storage,
  );
  return out;
}

/** Runs the row-wise softmax kernel along `axis`. */
export function softmaxAlong(x: Tensor, axis: number, log: boolean): Tensor {
  return alongRows([x], axis, ([s], rows, cols, out) =>
    getBackend().softmax(s!, rows, cols, out, log),
  );
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
  forward: ([y, g], { axis, log }) =>
    alongRows([y!, g!], axis, ([ys, gs], rows, cols, out) =>
      getBackend().softmaxBackward(ys!, gs!, rows, cols, out, log),
    ),
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

/** softmaxBackwardOp on y and g, which must be of one shape (no broadcasting), `axis` normalised. */
export function softmaxBackward(y: Tensor, g: Tensor, axis: number, log: boolean): Tensor {
  if (!shapesEqual(y.shape, g.shape)) {
    throw new ShapeError("softmaxBackward", "y and its gradient must have the same shape", {
      y: y.shape,
      g: g.shape,
    });
  }
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
