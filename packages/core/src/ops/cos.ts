import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { sin } from "./sin.js";

const cosOp: OpSpec = {
  name: "cos",
  forward: ([x]) => floatUnary("cos", x!),
  // d cos x = -g·sin x
  backward: (g, { inputs: [x] }) => [neg(mul(g, sin(x)))],
};

/**
 * Elementwise cosine.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example cos(tensor([0])) // tensor([1.])
 */
export function cos(x: TensorLike): Tensor {
  return applyOp(cosOp, [x], undefined);
}
