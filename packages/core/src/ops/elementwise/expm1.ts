import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const expm1Op: OpSpec = {
  name: "expm1",
  forward: ([x]) => floatUnary("expm1", x!),
  // d(eˣ − 1) = g·eˣ = g·(out + 1)
  backward: (g, { output }) => [mul(g, add(output, 1))],
};

/**
 * Elementwise eˣ − 1, accurate for small x. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example expm1(tensor([0, 1e-10])) // tensor([ 0.0000e+0, 1.0000e-10])
 */
export function expm1(x: TensorLike): Tensor {
  return applyOp(expm1Op, [x], undefined);
}
