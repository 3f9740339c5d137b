import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, empty, scalarConstant } from "../kernels.js";
import { mul } from "../mul.js";
import { pow } from "../pow.js";
import { asFloat } from "./float-kernels.js";

const rsqrtOp: OpSpec = {
  name: "rsqrt",
  forward: ([x]) => {
    // 1/√x in two roundings, as PyTorch's CPU kernel computes it.
    const input = asFloat(x!);
    const root = empty(input.shape, input.dtype);
    getBackend().unary("sqrt", input.storage, root.storage);
    return binaryKernel("rsqrt", "div", scalarConstant("rsqrt", 1, input.dtype), root, input.dtype);
  },
  // d x^(−1/2) = −½·g·x^(−3/2) = −½·g·out³
  backward: (g, { output }) => [mul(mul(g, -0.5), pow(output, 3))],
};

/**
 * Elementwise reciprocal square root, 1/√x (∞ at 0, NaN below). Integer and bool inputs
 * give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example rsqrt(tensor([4, 0.25])) // tensor([0.5000, 2.0000])
 */
export function rsqrt(x: TensorLike): Tensor {
  return applyOp(rsqrtOp, [x], undefined);
}
