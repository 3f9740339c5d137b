import {
  abs,
  defineOp,
  exp,
  log,
  mul,
  neg,
  relu,
  sigmoid,
  type Tensor,
  type TensorLike,
} from "@tensortape/core";

/**
 * A fused op, for a correct gradient at 0: the stable composite max(x, 0) + log(1 + e^−|x|)
 * has the right values, but the subgradients of max and |x| at x = 0 would give 0 there
 * instead of σ(0) = ½.
 */
const softplusOp = defineOp({
  name: "softplus",
  forward: ([x]) => relu(x!).add(log(exp(neg(abs(x!))).add(1))),
  // d softplus(x) = g·σ(x)
  backward: (g, { inputs: [x] }) => [mul(g, sigmoid(x!))],
});

/**
 * Elementwise softplus, log(1 + eˣ), computed without overflow for any finite x; its
 * derivative is the sigmoid.
 * x: [...S] → [...S]
 * @example softplus(tensor([0, 1000])) // tensor([0.6931, 1000.])
 */
export function softplus(x: TensorLike): Tensor {
  return softplusOp(x);
}
