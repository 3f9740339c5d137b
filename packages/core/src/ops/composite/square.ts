import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor } from "../kernels.js";
import { mul } from "../mul.js";

/** Elementwise x², as x·x (so d x² = 2x·g comes from the product rule). */
export function square(x: TensorLike): Tensor {
  const t = asTensor(x);
  return mul(t, t);
}
