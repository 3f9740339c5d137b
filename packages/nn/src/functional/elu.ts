import { exp, gt, minimum, type Tensor, type TensorLike, where } from "@tensortape/core";

/**
 * The exponential linear unit: x where x > 0, α(eˣ − 1) elsewhere. The exponential is taken
 * of min(x, 0), so the branch that `where` discards cannot overflow and poison the gradient.
 * x: [...S] → [...S]
 * @example elu(tensor([-1, 2])) // tensor([-0.6321, 2.])
 */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return where(gt(x, 0), x, exp(minimum(x, 0)).sub(1).mul(alpha));
}
