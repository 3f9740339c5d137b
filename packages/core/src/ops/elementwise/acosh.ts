import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { floatUnary } from "./float-kernels.js";
import { rsqrt } from "./rsqrt.js";

const acoshOp: OpSpec = {
  name: "acosh",
  forward: ([x]) => floatUnary("acosh", x!),
  // d acosh x = g/√(x² − 1)
  backward: (g, { inputs: [x] }) => [mul(g, rsqrt(sub(mul(x, x), 1)))],
};

/**
 * Elementwise inverse hyperbolic cosine; NaN below 1. Integer and bool inputs give float32, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example acosh(tensor([1, 2])) // tensor([0.0000, 1.3170])
 */
export function acosh(x: TensorLike): Tensor {
  return applyOp(acoshOp, [x], undefined);
}
