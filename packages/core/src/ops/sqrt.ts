import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { div } from "./div.js";
import { floatUnary } from "./elementwise/float-kernels.js";
import { mul } from "./mul.js";

const sqrtOp: OpSpec = {
  name: "sqrt",
  forward: ([x]) => floatUnary("sqrt", x!),
  // d(√x) = g / (2√x) = g / (2·out)
  backward: (g, { output }) => [div(g, mul(output, 2))],
};

/**
 * Elementwise square root.
 * int32 and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example sqrt(tensor([4, 9])) // tensor([2., 3.])
 */
export function sqrt(x: TensorLike): Tensor {
  return applyOp(sqrtOp, [x], undefined);
}
