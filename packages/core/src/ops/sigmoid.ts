import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

const sigmoidOp: OpSpec = {
  name: "sigmoid",
  forward: ([x]) => floatUnary("sigmoid", x!),
  // d σ(x) = g·σ(x)(1 - σ(x)) = g·out(1 - out)
  backward: (g, { output }) => [mul(g, mul(output, sub(1, output)))],
};

/**
 * Elementwise logistic sigmoid, 1 / (1 + e^-x), computed without overflow.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example sigmoid(tensor([0])) // tensor([0.5000])
 */
export function sigmoid(x: TensorLike): Tensor {
  return applyOp(sigmoidOp, [x], undefined);
}
