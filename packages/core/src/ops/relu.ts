import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel, unaryKernel } from "./kernels.js";

const reluOp: OpSpec = {
  name: "relu",
  forward: ([x]) => unaryKernel("relu", "relu", x, true),
  // d relu(x) = g·1{x > 0}, with the subgradient 0 at x = 0 (as PyTorch)
  backward: (g, { inputs: [x] }) => [reluBackward(g, x!)],
};

/**
 * ReLU's vector-Jacobian product g·1{x > 0} as one kernel rather than a comparison and a
 * product, fused for speed (52 → 16 µs per small MLP step, 1.8 → 1.2 ms per large one;
 * bench/kernel-times.ts): g where x > 0, 0 elsewhere, as PyTorch's threshold_backward, so a
 * NaN or ∞ in g where x ≤ 0 gives 0, not NaN. It is linear in g with the same mask, and the
 * mask is piecewise constant in x, so x gets no gradient.
 */
const reluBackwardOp: OpSpec = {
  name: "reluBackward",
  forward: ([g, x]) =>
    binaryKernel("reluBackward", "reluGrad", g, x, arithmeticDtype("reluBackward", g, x)),
  // d(g·1{x > 0})/dg = 1{x > 0}; x gets none
  backward: (gg, { inputs: [g, x] }) => [g!.requiresGrad ? reluBackward(gg, x!) : null, null],
};

function reluBackward(g: Tensor, x: Tensor): Tensor {
  return applyOp(reluBackwardOp, [g, x], undefined);
}

/**
 * Elementwise rectified linear unit, max(x, 0). int32 stays int32; bool is rejected, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example relu(tensor([-1, 2])) // tensor([0., 2.])
 */
export function relu(x: TensorLike): Tensor {
  return applyOp(reluOp, [x], undefined);
}
