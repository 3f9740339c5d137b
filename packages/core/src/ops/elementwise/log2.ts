import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const log2Op: OpSpec = {
  name: "log2",
  forward: ([x]) => floatUnary("log2", x!),
  // d log₂ x = g/(x·ln 2)
  backward: (g, { inputs: [x] }) => [div(g, mul(x, Math.LN2))],
};

/**
 * Elementwise base-2 logarithm. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example log2(tensor([1, 8])) // tensor([0.0000, 3.0000])
 */
export function log2(x: TensorLike): Tensor {
  return applyOp(log2Op, [x], undefined);
}
