import { applyOp, type OpSpec } from "../autograd/apply.js";
import { isFloat } from "../dtype.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { cast } from "./cast.js";
import { ge, le } from "./comparison.js";
import { asFloat } from "./elementwise/float-kernels.js";
import { asTensor, binaryKernel, scalarConstant } from "./kernels.js";
import { mul } from "./mul.js";
import { where } from "./where.js";

interface ClampAttrs {
  readonly min: number;
  readonly max: number;
}

const clampOp: OpSpec<ClampAttrs> = {
  name: "clamp",
  forward: ([x], { min, max }) => {
    const low = binaryKernel("clamp", "maximum", x, scalarConstant("clamp", min, x.dtype), x.dtype);
    return binaryKernel("clamp", "minimum", low, scalarConstant("clamp", max, x.dtype), x.dtype);
  },
  // d clamp(x) = g where min ≤ x ≤ max, else 0: the gradient passes at the bounds and nowhere
  // when min > max or x is NaN, and a masked-out g is dropped even if infinite, as in PyTorch
  backward: (g, { inputs: [x], attrs: { min, max } }) => [where(mul(ge(x, min), le(x, max)), g, 0)],
};

/**
 * Limits every element to [min, max], as min(max(x, min), max); either bound may be omitted.
 * As in PyTorch, min > max gives max everywhere, and a NaN element or bound gives NaN. An
 * int32 or bool tensor with integer bounds gives int32; a fractional bound makes it float32.
 * @example clamp(tensor([-2, 0.5, 3]), 0, 1) // tensor([0.0000, 0.5000, 1.0000])
 */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  const t = asTensor(x);
  // PyTorch's promotion of a tensor with number bounds: integers stay integers, a fractional
  // (or infinite, or NaN) bound makes them float.
  const integral = [min, max].every((v) => v === undefined || Number.isInteger(v));
  const input = isFloat(t.dtype) ? t : integral ? cast(t, "int32") : asFloat(t);
  const low = min ?? Number.NEGATIVE_INFINITY;
  const high = max ?? Number.POSITIVE_INFINITY;
  if (input.dtype !== "int32") return applyOp(clampOp, [input], { min: low, max: high });
  // int32 bounds are held to int32's range, which clamps the same and which the bound
  // scalars can hold (an omitted bound, ±∞, is no int32).
  const int32 = (v: number) => Math.min(Math.max(v, -2147483648), 2147483647);
  return applyOp(clampOp, [input], { min: int32(low), max: int32(high) });
}
