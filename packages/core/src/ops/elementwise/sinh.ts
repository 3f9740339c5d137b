import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { cosh } from "./cosh.js";
import { floatUnary } from "./float-kernels.js";

const sinhOp: OpSpec = {
  name: "sinh",
  forward: ([x]) => floatUnary("sinh", x!),
  // d sinh x = g·cosh x
  backward: (g, { inputs: [x] }) => [mul(g, cosh(x))],
};

/**
 * Elementwise hyperbolic sine. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example sinh(tensor([0, 1])) // tensor([0.0000, 1.1752])
 */
export function sinh(x: TensorLike): Tensor {
  return applyOp(sinhOp, [x], undefined);
}
