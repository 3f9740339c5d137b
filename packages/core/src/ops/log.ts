import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { div } from "./div.js";
import { unaryKernel } from "./kernels.js";

const logOp: OpSpec = {
  name: "log",
  forward: ([x]) => unaryKernel("log", "log", x),
  // d(log x) = g / x
  backward: (g, { inputs: [x] }) => [div(g, x)],
};

/**
 * Elementwise natural logarithm (-Infinity at 0, NaN below).
 * x: [...S] → [...S]
 * @example log(tensor([1, Math.E])) // tensor([0., 1.])
 */
export function log(x: TensorLike): Tensor {
  return applyOp(logOp, [x], undefined);
}
