import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { isFloat } from "../../dtype.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, empty, scalarConstant } from "../kernels.js";

// A bool result carries no gradient, so isfinite records no backward rule.
const isfiniteOp: OpSpec = {
  name: "isfinite",
  forward: ([x]) => {
    // Integers and bools are always finite: x = x holds everywhere.
    if (!isFloat(x!.dtype)) return binaryKernel("isfinite", "eq", x!, x!, "bool");
    // |x| < ∞ is false for ±∞ and for NaN (every comparison with NaN is).
    const magnitude = empty(x!.shape, x!.dtype);
    getBackend().unary("abs", x!.storage, magnitude.storage);
    const infinity = scalarConstant("isfinite", Number.POSITIVE_INFINITY, x!.dtype);
    return binaryKernel("isfinite", "lt", magnitude, infinity, "bool");
  },
};

/**
 * Elementwise test for a finite value (neither ±∞ nor NaN); a bool tensor (all true for
 * integer and bool inputs).
 * x: [...S] → [...S]
 * @example isfinite(tensor([1, Infinity, NaN])) // tensor([ true, false, false], dtype=bool)
 */
export function isfinite(x: TensorLike): Tensor {
  return applyOp(isfiniteOp, [x], undefined);
}
