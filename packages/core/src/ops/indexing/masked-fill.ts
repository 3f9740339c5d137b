import { DTypeError, ShapeError } from "../../errors.js";
import { broadcastsTo } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { asTensor } from "../kernels.js";
import { where } from "../where.js";

/** Throws unless `mask` is bool, naming the op. */
export function requireBoolMask(op: string, mask: Tensor): void {
  if (mask.dtype !== "bool") {
    throw new DTypeError(
      op,
      "mask must be bool",
      { mask: mask.dtype },
      `use mask.ne(0) or a comparison`,
    );
  }
}

/**
 * x with `value` wherever `mask` (bool, broadcast to x's shape) is true (PyTorch's
 * `masked_fill`). `value` is a number or a 0-d tensor, converted to x's dtype. The gradient
 * reaches x where the mask is false, and a tensor `value` as the sum of g where it is true.
 * x: [N, C], mask: [N, C] or any shape that broadcasts to it → [N, C]
 * @example maskedFill(tensor([1, 2, 3]), tensor([1, 0, 1], { dtype: "bool" }), 0) // tensor([0., 2., 0.])
 */
export function maskedFill(x: TensorLike, mask: Tensor, value: TensorLike): Tensor {
  const t = asTensor(x);
  requireBoolMask("maskedFill", mask);
  if (!broadcastsTo(mask.shape, t.shape)) {
    throw new ShapeError("maskedFill", "mask must broadcast to x's shape", {
      x: t.shape,
      mask: mask.shape,
    });
  }
  let v: Tensor;
  if (value instanceof Tensor) {
    if (value.rank !== 0) {
      throw new ShapeError(
        "maskedFill",
        "value must be a number or a 0-d tensor",
        { x: t.shape, value: value.shape },
        undefined,
        "use where(mask, value, x) to fill from a tensor",
      );
    }
    v = cast(value, t.dtype);
  } else {
    // Through a cast, so a bool x gets true for any nonzero value (a bool holds 0 or 1).
    v = cast(Tensor.scalar(value, "float64"), t.dtype);
  }
  // d maskedFill/dx = g where the mask is false; d/dvalue = Σ g where it is true (the engine
  // sums where's broadcast gradient back to the 0-d value)
  return where(mask, v, t);
}
