import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const exp2Op: OpSpec = {
  name: "exp2",
  forward: ([x]) => floatUnary("exp2", x!),
  // d 2ˣ = g·2ˣ·ln 2 = g·out·ln 2
  backward: (g, { output }) => [mul(g, mul(output, Math.LN2))],
};

/**
 * Elementwise 2 to the power x. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example exp2(tensor([0, 3])) // tensor([1.0000, 8.0000])
 */
export function exp2(x: TensorLike): Tensor {
  return applyOp(exp2Op, [x], undefined);
}
