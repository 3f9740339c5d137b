import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { div } from "../div.js";
import { floatUnary } from "./float-kernels.js";

const log1pOp: OpSpec = {
  name: "log1p",
  forward: ([x]) => floatUnary("log1p", x!),
  // d log(1 + x) = g/(x + 1)
  backward: (g, { inputs: [x] }) => [div(g, add(x, 1))],
};

/**
 * Elementwise log(1 + x), accurate for small x. Integer and bool inputs give float32, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example log1p(tensor([0, 1e-10])) // tensor([ 0.0000e+0, 1.0000e-10])
 */
export function log1p(x: TensorLike): Tensor {
  return applyOp(log1pOp, [x], undefined);
}
