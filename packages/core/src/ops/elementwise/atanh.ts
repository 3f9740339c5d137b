import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { floatUnary } from "./float-kernels.js";

const atanhOp: OpSpec = {
  name: "atanh",
  forward: ([x]) => floatUnary("atanh", x!),
  // d atanh x = g/(1 − x²)
  backward: (g, { inputs: [x] }) => [div(g, sub(1, mul(x, x)))],
};

/**
 * Elementwise inverse hyperbolic tangent; ±∞ at ±1, NaN beyond. Integer and bool inputs give
 * float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example atanh(tensor([0, 0.5])) // tensor([0.0000, 0.5493])
 */
export function atanh(x: TensorLike): Tensor {
  return applyOp(atanhOp, [x], undefined);
}
