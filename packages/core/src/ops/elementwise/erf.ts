import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { exp } from "../exp.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { floatUnary } from "./float-kernels.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const erfOp: OpSpec = {
  name: "erf",
  forward: ([x]) => floatUnary("erf", x!),
  // d erf x = g·(2/√π)·e^(−x²)
  backward: (g, { inputs: [x] }) => [mul(g, mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x)))))],
};

/**
 * Elementwise error function, 2/√π ∫₀ˣ e^(−t²) dt. Integer and bool inputs give float32, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example erf(tensor([0, 1])) // tensor([0.0000, 0.8427])
 */
export function erf(x: TensorLike): Tensor {
  return applyOp(erfOp, [x], undefined);
}
