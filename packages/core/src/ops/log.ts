import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { div } from "./div.js";
import { floatUnary } from "./elementwise/float-kernels.js";

const logOp: OpSpec = {
  name: "log",
  forward: ([x]) => floatUnary("log", x!),
  // d(log x) = g / x
  backward: (g, { inputs: [x] }) => [div(g, x)],
};

/**
 * Elementwise natural logarithm (-Infinity at 0, NaN below).
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example log(tensor([1, Math.E])) // tensor([0., 1.])
 */
export function log(x: TensorLike): Tensor {
  return applyOp(logOp, [x], undefined);
}
