import { gt, mul, type Tensor, type TensorLike, where } from "@tensortape/core";

/**
 * Leaky ReLU: x where x > 0, `negativeSlope`·x elsewhere (slope `negativeSlope` at 0, as
 * PyTorch).
 * x: [...S] → [...S]
 * @example leakyRelu(tensor([-2, 3]), 0.1) // tensor([-0.2000, 3.])
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  return where(gt(x, 0), x, mul(x, negativeSlope));
}
