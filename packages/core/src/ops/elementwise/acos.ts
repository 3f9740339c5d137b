import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { sub } from "../sub.js";
import { floatUnary } from "./float-kernels.js";
import { rsqrt } from "./rsqrt.js";

const acosOp: OpSpec = {
  name: "acos",
  forward: ([x]) => floatUnary("acos", x!),
  // d acos x = −g/√(1 − x²)
  backward: (g, { inputs: [x] }) => [neg(mul(g, rsqrt(sub(1, mul(x, x)))))],
};

/**
 * Elementwise inverse cosine; NaN outside [−1, 1]. Integer and bool inputs give float32, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example acos(tensor([1, 0])) // tensor([0.0000, 1.5708])
 */
export function acos(x: TensorLike): Tensor {
  return applyOp(acosOp, [x], undefined);
}
