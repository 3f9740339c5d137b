import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

const tanhOp: OpSpec = {
  name: "tanh",
  forward: ([x]) => floatUnary("tanh", x!),
  // d tanh(x) = g·(1 - tanh²x) = g·(1 - out²)
  backward: (g, { output }) => [mul(g, sub(1, mul(output, output)))],
};

/**
 * Elementwise hyperbolic tangent.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example tanh(tensor([0])) // tensor([0.])
 */
export function tanh(x: TensorLike): Tensor {
  return applyOp(tanhOp, [x], undefined);
}
