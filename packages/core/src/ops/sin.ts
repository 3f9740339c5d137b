import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { cos } from "./cos.js";
import { unaryKernel } from "./kernels.js";
import { mul } from "./mul.js";

const sinOp: OpSpec = {
  name: "sin",
  forward: ([x]) => unaryKernel("sin", "sin", x),
  // d sin x = g·cos x
  backward: (g, { inputs: [x] }) => [mul(g, cos(x))],
};

/**
 * Elementwise sine.
 * x: [...S] → [...S]
 * @example sin(tensor([0])) // tensor([0.])
 */
export function sin(x: TensorLike): Tensor {
  return applyOp(sinOp, [x], undefined);
}
