import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { exp } from "../exp.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const SQRT_PI = Math.sqrt(Math.PI);

const erfinvOp: OpSpec = {
  name: "erfinv",
  forward: ([x]) => floatUnary("erfinv", x!),
  // d erfinv y = g·(√π/2)·e^(erfinv(y)²) = g·(√π/2)·e^(out²)
  backward: (g, { output }) => [mul(g, mul(SQRT_PI / 2, exp(mul(output, output))))],
};

/**
 * Elementwise inverse error function on [−1, 1]: ±∞ at ±1, NaN outside. Integer and bool inputs
 * give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example erfinv(tensor([0, 0.5])) // tensor([0.0000, 0.4769])
 */
export function erfinv(x: TensorLike): Tensor {
  return applyOp(erfinvOp, [x], undefined);
}
