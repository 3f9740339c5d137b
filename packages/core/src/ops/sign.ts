import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { unaryKernel } from "./kernels.js";

// The derivative is 0 wherever it exists, so sign records no backward rule.
const signOp: OpSpec = {
  name: "sign",
  forward: ([x]) => unaryKernel("sign", "sign", x, true, true),
};

/**
 * Elementwise sign: -1, 0 or 1 (0 for NaN, as PyTorch's), in x's dtype (a bool stays itself, as in
 * PyTorch). Carries no gradient.
 * x: [...S] → [...S]
 * @example sign(tensor([-3, 0, 2])) // tensor([-1., 0., 1.])
 */
export function sign(x: TensorLike): Tensor {
  return applyOp(signOp, [x], undefined);
}
