import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const log10Op: OpSpec = {
  name: "log10",
  forward: ([x]) => floatUnary("log10", x!),
  // d log₁₀ x = g/(x·ln 10)
  backward: (g, { inputs: [x] }) => [div(g, mul(x, Math.LN10))],
};

/**
 * Elementwise base-10 logarithm. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example log10(tensor([1, 100])) // tensor([0.0000, 2.0000])
 */
export function log10(x: TensorLike): Tensor {
  return applyOp(log10Op, [x], undefined);
}
