import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, scalarConstant } from "../kernels.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { asFloat } from "./float-kernels.js";

const reciprocalOp: OpSpec = {
  name: "reciprocal",
  forward: ([x]) => {
    const input = asFloat(x!);
    return binaryKernel(
      "reciprocal",
      "div",
      scalarConstant("reciprocal", 1, input.dtype),
      input,
      input.dtype,
    );
  },
  // d(1/x) = −g/x² = −g·out²
  backward: (g, { output }) => [neg(mul(g, mul(output, output)))],
};

/**
 * Elementwise 1/x (±∞ at ±0). Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example reciprocal(tensor([2, -4])) // tensor([ 0.5000, -0.2500])
 */
export function reciprocal(x: TensorLike): Tensor {
  return applyOp(reciprocalOp, [x], undefined);
}
