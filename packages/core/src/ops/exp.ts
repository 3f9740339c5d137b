import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";

const expOp: OpSpec = {
  name: "exp",
  forward: ([x]) => floatUnary("exp", x!),
  // d(e^x) = g·e^x = g·out
  backward: (g, { output }) => [mul(g, output)],
};

/**
 * Elementwise exponential, e^x.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example exp(tensor([0, 1])) // tensor([1.0000, 2.7183])
 */
export function exp(x: TensorLike): Tensor {
  return applyOp(expOp, [x], undefined);
}
