import { applyOp, type OpSpec } from "../autograd/apply.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { ge, le } from "./comparison.js";
import { asTensor, binaryKernel, requireFloat } from "./kernels.js";
import { mul } from "./mul.js";
import { where } from "./where.js";

interface ClampAttrs {
  readonly min: number;
  readonly max: number;
}

const clampOp: OpSpec<ClampAttrs> = {
  name: "clamp",
  forward: ([x], { min, max }) => {
    const low = binaryKernel("clamp", "maximum", x, Tensor.scalar(min, x.dtype), x.dtype);
    return binaryKernel("clamp", "minimum", low, Tensor.scalar(max, x.dtype), x.dtype);
  },
  // d clamp(x) = g where min ≤ x ≤ max, else 0: the gradient passes at the bounds and nowhere
  // when min > max or x is NaN, and a masked-out g is dropped even if infinite, as in PyTorch
  backward: (g, { inputs: [x], attrs: { min, max } }) => [where(mul(ge(x, min), le(x, max)), g, 0)],
};

/**
 * Limits every element to [min, max], as min(max(x, min), max); either bound may be omitted.
 * As in PyTorch, min > max gives max everywhere, and a NaN element or bound gives NaN.
 * @example clamp(tensor([-2, 0.5, 3]), 0, 1) // tensor([0.0000, 0.5000, 1.0000])
 */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  const t = asTensor(x);
  requireFloat("clamp", t);
  return applyOp(clampOp, [t], {
    min: min ?? Number.NEGATIVE_INFINITY,
    max: max ?? Number.POSITIVE_INFINITY,
  });
}
