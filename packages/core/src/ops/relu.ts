import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel, unaryKernel } from "./kernels.js";

const reluOp: OpSpec = {
  name: "relu",
  forward: ([x]) => unaryKernel("relu", "relu", x),
  // d relu(x) = g·1{x > 0}, with the subgradient 0 at x = 0 (as PyTorch)
  backward: (g, { inputs: [x] }) => [reluGrad(g, x!)],
};

/**
 * ReLU's vector-Jacobian product g·1{x > 0} as one kernel rather than a comparison and a
 * product (as PyTorch's threshold_backward): g where x > 0, 0 elsewhere, so a NaN or ∞ in g
 * where x ≤ 0 gives 0, not NaN. It is linear in g with the same mask, and the mask is
 * piecewise constant in x, so x gets no gradient.
 */
const reluGradOp: OpSpec = {
  name: "reluBackward",
  forward: ([g, x]) => binaryKernel("relu", "reluGrad", g, x, arithmeticDtype("relu", g, x)),
  backward: (gg, { inputs: [g, x] }) => [g!.requiresGrad ? reluGrad(gg, x!) : null, null],
};

function reluGrad(g: Tensor, x: Tensor): Tensor {
  return applyOp(reluGradOp, [g, x], undefined);
}

/**
 * Elementwise rectified linear unit, max(x, 0).
 * x: [...S] → [...S]
 * @example relu(tensor([-1, 2])) // tensor([0., 2.])
 */
export function relu(x: TensorLike): Tensor {
  return applyOp(reluOp, [x], undefined);
}
