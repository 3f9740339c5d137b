import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { div } from "../div.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const atanOp: OpSpec = {
  name: "atan",
  forward: ([x]) => floatUnary("atan", x!),
  // d atan x = g/(x² + 1)
  backward: (g, { inputs: [x] }) => [div(g, add(mul(x, x), 1))],
};

/**
 * Elementwise inverse tangent. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example atan(tensor([0, 1])) // tensor([0.0000, 0.7854])
 */
export function atan(x: TensorLike): Tensor {
  return applyOp(atanOp, [x], undefined);
}
