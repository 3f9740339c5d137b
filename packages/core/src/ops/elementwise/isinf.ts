import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { isFloat } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, empty, scalarConstant } from "../kernels.js";

// A bool result carries no gradient, so isinf records no backward rule.
const isinfOp: OpSpec = {
  name: "isinf",
  forward: ([x]) => {
    // Integers and bools are never infinite.
    if (!isFloat(x!.dtype)) return empty(x!.shape, "bool");
    // |x| = ∞: one comparison covers both signs.
    const magnitude = empty(x!.shape, x!.dtype);
    getBackend().unary("abs", x!.storage, magnitude.storage);
    const infinity = scalarConstant("isinf", Number.POSITIVE_INFINITY, x!.dtype);
    return binaryKernel("isinf", "eq", magnitude, infinity, "bool");
  },
};

/**
 * Elementwise test for +∞ or −∞; a bool tensor (all false for integer and bool inputs).
 * x: [...S] → [...S]
 * @example isinf(tensor([1, -Infinity, NaN])) // tensor([false,  true, false], dtype=bool)
 */
export function isinf(x: TensorLike): Tensor {
  return applyOp(isinfOp, [x], undefined);
}
