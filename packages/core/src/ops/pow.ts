import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";
import { log } from "./log.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

const powOp: OpSpec = {
  name: "pow",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("pow", "pow", a, b, arithmeticDtype("pow", a, b)),
  backward: (g, { inputs: [a, b], output }) => [
    // d(a^b)/da = b·a^(b-1)
    a.requiresGrad ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
    // d(a^b)/db = a^b·log(a)
    b.requiresGrad ? mul(g, mul(output, log(a))) : null,
  ],
};

/**
 * Elementwise a raised to the power b, with NumPy broadcasting. The exponent is usually a
 * number; a tensor exponent is differentiated too (its gradient needs a > 0).
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example pow(tensor([2, 3]), 2) // tensor([4., 9.])
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(powOp, [a, b], undefined);
}
