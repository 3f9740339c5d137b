import { mul, sigmoid, type Tensor, type TensorLike } from "@tensortape/core";

/**
 * The sigmoid linear unit (swish), x·σ(x).
 * x: [...S] → [...S]
 * @example silu(tensor([0, 1])) // tensor([0., 0.7311])
 */
export function silu(x: TensorLike): Tensor {
  return mul(x, sigmoid(x));
}
