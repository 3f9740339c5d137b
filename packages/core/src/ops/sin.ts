import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { cos } from "./cos.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";

const sinOp: OpSpec = {
  name: "sin",
  forward: ([x]) => floatUnary("sin", x!),
  // d sin x = g·cos x
  backward: (g, { inputs: [x] }) => [mul(g, cos(x))],
};

/**
 * Elementwise sine.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example sin(tensor([0])) // tensor([0.])
 */
export function sin(x: TensorLike): Tensor {
  return applyOp(sinOp, [x], undefined);
}
