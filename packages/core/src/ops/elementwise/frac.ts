import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, empty, requireFloat } from "../kernels.js";

const fracOp: OpSpec = {
  name: "frac",
  forward: ([x]) => {
    // x − trunc(x), PyTorch's own definition (exact: no rounding in either step).
    requireFloat("frac", x!);
    const whole = empty(x!.shape, x!.dtype);
    getBackend().unary("trunc", x!.storage, whole.storage);
    return binaryKernel("frac", "sub", x!, whole, x!.dtype);
  },
  // d(x − trunc x) = g
  backward: (g) => [g],
};

/**
 * Elementwise fractional part, x − trunc(x), with the sign of x (NaN for ±∞). Float
 * tensors only, as in PyTorch.
 * x: [...S] → [...S]
 * @example frac(tensor([1.25, -1.25])) // tensor([ 0.2500, -0.2500])
 */
export function frac(x: TensorLike): Tensor {
  return applyOp(fracOp, [x], undefined);
}
