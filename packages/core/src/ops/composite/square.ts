import type { Tensor, TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { asTensor } from "../kernels.js";
import { mul } from "../mul.js";

/**
 * Elementwise x², as x·x (so d x² = 2x·g comes from the product rule). A bool squares to
 * int32, as PyTorch's (bool ** 2 is an integer power).
 */
export function square(x: TensorLike): Tensor {
  const t = asTensor(x);
  const v = t.dtype === "bool" ? cast(t, "int32") : t;
  return mul(v, v);
}
