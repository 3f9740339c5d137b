import { applyOp, type OpSpec } from "../autograd/apply.js";
import { normalizeAxis } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, requireFloat } from "./kernels.js";
import { softmaxAlong, softmaxBackward } from "./softmax.js";

const logSoftmaxOp: OpSpec<number> = {
  name: "logSoftmax",
  forward: ([x], axis) => softmaxAlong(x, axis, true),
  // ∂(log s_i)/∂x_j = δ_ij − s_j, so the VJP is g − softmax(x)·Σ_j g_j, with softmax = exp(out)
  backward: (g, { output, attrs: axis }) => [softmaxBackward(output, g, axis, true)],
};

/**
 * log(softmax(x)) along `axis`, computed as x − max − log Σ exp(x − max): finite for logits
 * of any finite size (±1000 included), where the naive composition gives -Infinity or NaN.
 * x: [N, C] → [N, C]
 * @example logSoftmax(tensor([1000, 1000])) // tensor([-0.6931, -0.6931])
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = asTensor(x);
  requireFloat("logSoftmax", t);
  const ax = normalizeAxis("logSoftmax", axis, t.shape);
  // A 0-d tensor is one row of one element (axis 0 or -1, as in PyTorch).
  if (t.rank === 0) return applyOp(logSoftmaxOp, [t.reshape([1])], 0).reshape([]);
  return applyOp(logSoftmaxOp, [t], ax);
}
