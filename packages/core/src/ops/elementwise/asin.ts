import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { floatUnary } from "./float-kernels.js";
import { rsqrt } from "./rsqrt.js";

const asinOp: OpSpec = {
  name: "asin",
  forward: ([x]) => floatUnary("asin", x!),
  // d asin x = g/√(1 − x²)
  backward: (g, { inputs: [x] }) => [mul(g, rsqrt(sub(1, mul(x, x))))],
};

/**
 * Elementwise inverse sine; NaN outside [−1, 1]. Integer and bool inputs give float32, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example asin(tensor([0, 1])) // tensor([0.0000, 1.5708])
 */
export function asin(x: TensorLike): Tensor {
  return applyOp(asinOp, [x], undefined);
}
