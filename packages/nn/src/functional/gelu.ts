import { type Tensor, type TensorLike, tanh, tensor } from "@tensortape/core";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit in its tanh form (PyTorch's `approximate="tanh"`, as in
 * GPT-2 and BERT): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Built from differentiable ops.
 * x: [...S] → [...S]
 * @example gelu(tensor([-1, 0, 1])) // tensor([-0.1588, 0., 0.8412])
 */
export function gelu(x: TensorLike): Tensor {
  const t = typeof x === "number" ? tensor(x) : x;
  const inner = t.add(t.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return t.mul(0.5).mul(tanh(inner).add(1));
}
