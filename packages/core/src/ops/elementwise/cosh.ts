import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";
import { sinh } from "./sinh.js";

const coshOp: OpSpec = {
  name: "cosh",
  forward: ([x]) => floatUnary("cosh", x!),
  // d cosh x = g·sinh x
  backward: (g, { inputs: [x] }) => [mul(g, sinh(x))],
};

/**
 * Elementwise hyperbolic cosine. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example cosh(tensor([0, 1])) // tensor([1.0000, 1.5431])
 */
export function cosh(x: TensorLike): Tensor {
  return applyOp(coshOp, [x], undefined);
}
