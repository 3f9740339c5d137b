import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel } from "../kernels.js";

// A bool result carries no gradient, so isnan records no backward rule.
const isnanOp: OpSpec = {
  name: "isnan",
  // NaN is the one value unequal to itself (integers and bools never are).
  forward: ([x]) => binaryKernel("isnan", "ne", x!, x!, "bool"),
};

/**
 * Elementwise test for NaN; a bool tensor (all false for integer and bool inputs).
 * x: [...S] → [...S]
 * @example isnan(tensor([1, NaN])) // tensor([false,  true], dtype=bool)
 */
export function isnan(x: TensorLike): Tensor {
  return applyOp(isnanOp, [x], undefined);
}
