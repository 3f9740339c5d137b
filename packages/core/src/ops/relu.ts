import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { gt } from "./comparison.js";
import { unaryKernel } from "./kernels.js";
import { mul } from "./mul.js";

const reluOp: OpSpec = {
  name: "relu",
  forward: ([x]) => unaryKernel("relu", "relu", x),
  // d relu(x) = g·1{x > 0}, with the subgradient 0 at x = 0 (as PyTorch)
  backward: (g, { inputs: [x] }) => [mul(g, gt(x, 0))],
};

/**
 * Elementwise rectified linear unit, max(x, 0).
 * x: [...S] → [...S]
 * @example relu(tensor([-1, 2])) // tensor([0., 2.])
 */
export function relu(x: TensorLike): Tensor {
  return applyOp(reluOp, [x], undefined);
}
