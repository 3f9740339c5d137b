import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { unaryKernel } from "./kernels.js";
import { mul } from "./mul.js";
import { sign } from "./sign.js";

const absOp: OpSpec = {
  name: "abs",
  forward: ([x]) => unaryKernel("abs", "abs", x, true),
  // d|x| = g·sign(x), with the subgradient 0 at x = 0 (and at NaN, as PyTorch)
  backward: (g, { inputs: [x] }) => [mul(g, sign(x))],
};

/**
 * Elementwise absolute value. int32 stays int32; bool is rejected, as in PyTorch.
 * x: [...S] → [...S]
 * @example abs(tensor([-1, 2])) // tensor([1., 2.])
 */
export function abs(x: TensorLike): Tensor {
  return applyOp(absOp, [x], undefined);
}
