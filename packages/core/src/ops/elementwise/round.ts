import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, empty, requireFloat, scalarConstant } from "../kernels.js";
import { roundingUnary } from "./float-kernels.js";

const roundOp: OpSpec<number> = {
  name: "round",
  forward: ([x], decimals) => {
    if (decimals === 0) return roundingUnary("round", "round", x!);
    requireFloat("round", x!);
    // PyTorch's round_decimals: x·10^d rounded, then divided by 10^d, each step rounded to
    // x's dtype (for d < 0, x/10^−d rounded, then multiplied by 10^−d).
    const scale = scalarConstant("round", 10 ** Math.abs(decimals), x!.dtype);
    const up = decimals > 0;
    const scaled = binaryKernel("round", up ? "mul" : "div", x!, scale, x!.dtype);
    const rounded = empty(x!.shape, x!.dtype);
    getBackend().unary("round", scaled.storage, rounded.storage);
    return binaryKernel("round", up ? "div" : "mul", rounded, scale, x!.dtype);
  },
  // d round(x) = 0 wherever it exists; the gradient is zeros (not none), as in PyTorch.
  backward: (g) => [g.zerosLike()],
};

/**
 * Elementwise rounding to the nearest integer, ties to even (as torch.round: 2.5 → 2,
 * −0.5 → −0), or to `decimals` decimal places (negative: to tens, hundreds...). Integers
 * are returned unchanged (as a copy) when `decimals` is 0 and bool is rejected, as in
 * PyTorch.
 * x: [...S] → [...S]
 * @example round(tensor([0.5, 1.5, 2.5])) // tensor([0.0000, 2.0000, 2.0000])
 * @example round(tensor([1.2345, 1250]), -2) // tensor([   0.0000, 1200.0000])
 */
export function round(x: TensorLike, decimals = 0): Tensor {
  if (!Number.isInteger(decimals)) {
    throw new ValueError("round", `decimals must be an integer, got ${decimals}`);
  }
  return applyOp(roundOp, [x], decimals);
}
