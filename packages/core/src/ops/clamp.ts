import { applyOp, type OpSpec } from "../autograd/apply.js";
import { ValueError } from "../errors.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { ge, le } from "./comparison.js";
import { asTensor, binaryKernel, requireFloat } from "./kernels.js";
import { mul } from "./mul.js";

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
  // d clamp(x) = g·1{min ≤ x ≤ max} (the gradient passes at the bounds, as in PyTorch)
  backward: (g, { inputs: [x], attrs: { min, max } }) => [mul(mul(g, ge(x, min)), le(x, max))],
};

/**
 * Limits every element to [min, max]; either bound may be omitted.
 * @example clamp(tensor([-2, 0.5, 3]), 0, 1) // tensor([0.0000, 0.5000, 1.0000])
 */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  const t = asTensor(x);
  requireFloat("clamp", t);
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (lo > hi)
    throw new ValueError("clamp", `min must not exceed max; got min ${lo} and max ${hi}`);
  return applyOp(clampOp, [t], { min: lo, max: hi });
}
