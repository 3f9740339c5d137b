import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { exp } from "../exp.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { floatUnary } from "./float-kernels.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const erfcOp: OpSpec = {
  name: "erfc",
  forward: ([x]) => floatUnary("erfc", x!),
  // d erfc x = −g·(2/√π)·e^(−x²)
  backward: (g, { inputs: [x] }) => [mul(g, mul(-TWO_OVER_SQRT_PI, exp(neg(mul(x, x)))))],
};

/**
 * Elementwise complementary error function, 1 − erf(x), without cancellation for large x. Integer
 * and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example erfc(tensor([0, 3])) // tensor([1.0000e+0, 2.2090e-5])
 */
export function erfc(x: TensorLike): Tensor {
  return applyOp(erfcOp, [x], undefined);
}
