import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";
import { rsqrt } from "./rsqrt.js";

const asinhOp: OpSpec = {
  name: "asinh",
  forward: ([x]) => floatUnary("asinh", x!),
  // d asinh x = g/√(x² + 1)
  backward: (g, { inputs: [x] }) => [mul(g, rsqrt(add(mul(x, x), 1)))],
};

/**
 * Elementwise inverse hyperbolic sine. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example asinh(tensor([0, 1])) // tensor([0.0000, 0.8814])
 */
export function asinh(x: TensorLike): Tensor {
  return applyOp(asinhOp, [x], undefined);
}
