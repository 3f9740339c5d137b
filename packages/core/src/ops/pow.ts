import { applyOp, type OpSpec } from "../autograd/apply.js";
import { isFloat } from "../dtype.js";
import { ValueError } from "../errors.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { eq, ge } from "./comparison.js";
import { binaryKernel, numericDtype } from "./kernels.js";
import { log } from "./log.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";
import { where } from "./where.js";

const powOp: OpSpec = {
  name: "pow",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("pow", "pow", a, b, numericDtype("pow", a, b)),
  // Both rules are PyTorch's pow_backward_self and pow_backward_exponent. The masks pick the
  // limit where the formula meets 0·∞: a^0 is constant 1 for every a (0, ±∞ and NaN
  // included), and 0^b is constant 0 for b > 0 (and 1 at b = 0), where log(0) = −∞.
  backward: (g, { inputs: [a, b], output }) => [
    // d(a^b)/da = b·a^(b−1), and 0 where b = 0
    a.requiresGrad ? where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))) : null,
    // d(a^b)/db = a^b·log(a), and 0 where a = 0 and b ≥ 0
    b.requiresGrad ? mul(g, where(mul(eq(a, 0), ge(b, 0)), 0, mul(output, log(a)))) : null,
  ],
};

/**
 * Elementwise a raised to the power b, with NumPy broadcasting. The exponent is usually a
 * number; a tensor exponent is differentiated too. Gradients follow PyTorch's: the base's is
 * 0 where b = 0, the exponent's is 0 where a = 0 and b ≥ 0 (and NaN where a < 0). Values
 * follow C's pow (1^b = 1 and (−1)^±∞ = 1, even for a NaN b). Integers stay int32 (a negative
 * exponent truncates toward zero, as PyTorch's integer pow), but an integer tensor raised to a
 * negative integer number is an error, as in PyTorch; two bools are rejected.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example pow(tensor([2, 3]), 2) // tensor([4., 9.])
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && !isFloat(a.dtype) && typeof b === "number") {
    if (Number.isInteger(b) && b < 0) {
      throw new ValueError(
        "pow",
        `integers cannot be raised to a negative integer power; got exponent ${b}`,
        `cast first, as in a.cast("float32")`,
      );
    }
  }
  return applyOp(powOp, [a, b], undefined);
}
