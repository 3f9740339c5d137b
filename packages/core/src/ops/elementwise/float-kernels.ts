/**
 * Dtype rules shared by the elementwise ops in this folder, as PyTorch's: functions defined
 * on the reals take int32 and bool inputs to float32 (the default dtype), rounding keeps an
 * integer dtype, and integer division by zero is an error rather than a silent 0.
 */
import type { BinaryKernel, UnaryKernel } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { type DType, isFloat } from "../../dtype.js";
import { DTypeError, ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { eq } from "../comparison.js";
import { arithmeticDtype, binaryKernel, contiguousView, empty } from "../kernels.js";
import { sum } from "../sum.js";

/** The dtype a function of the reals returns for `dtype`: itself if float, else float32. */
export function floatResult(dtype: DType): DType {
  return isFloat(dtype) ? dtype : "float32";
}

/**
 * x itself if float, else x converted to `dtype` (float32 unless beside a float64): PyTorch
 * converts integers before applying a function of the reals, so an int32 beyond 2^24 is
 * first rounded as float32 rounds it.
 */
export function asFloat(x: Tensor, dtype: DType = "float32"): Tensor {
  if (isFloat(x.dtype)) return x;
  const out = empty(x.shape, dtype);
  getBackend().copy(contiguousView(x), contiguousView(out), x.shape);
  return out;
}

/** Applies a unary kernel of a function of the reals: int32 and bool inputs give float32. */
export function floatUnary(kernel: UnaryKernel, x: Tensor): Tensor {
  const input = asFloat(x);
  const out = empty(x.shape, input.dtype);
  getBackend().unary(kernel, input.storage, out.storage);
  return out;
}

/**
 * Applies a rounding kernel: floats are rounded, int32 is returned as a copy (already an
 * integer) and bool is rejected, as PyTorch does.
 */
export function roundingUnary(op: string, kernel: UnaryKernel, x: Tensor): Tensor {
  if (x.dtype === "bool") {
    throw new DTypeError(
      op,
      "is not defined for bool tensors",
      { x: x.dtype },
      `cast first, as in x.cast("float32")`,
    );
  }
  const out = empty(x.shape, x.dtype);
  getBackend().unary(kernel, x.storage, out.storage);
  return out;
}

/**
 * Applies a binary kernel of a function of the reals with broadcasting, in the arithmetic
 * result dtype, or float32 when both inputs are integers or bools.
 */
export function floatBinary(op: string, kernel: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const dtype = floatResult(arithmeticDtype(op, a, b));
  return binaryKernel(op, kernel, asFloat(a, dtype), asFloat(b, dtype), dtype);
}

/**
 * The arithmetic result dtype of a and b, which must be float (an integer input beside a
 * float one is promoted), for ops PyTorch defines on floats only.
 */
export function floatOnlyDtype(op: string, a: Tensor, b: Tensor): DType {
  const dtype = arithmeticDtype(op, a, b);
  if (!isFloat(dtype)) {
    throw new DTypeError(
      op,
      "expects a float tensor",
      { a: a.dtype, b: b.dtype },
      `cast first, as in a.cast("float32")`,
    );
  }
  return dtype;
}

/**
 * Throws when an integer division would divide by zero: PyTorch raises ZeroDivisionError
 * there, where floats give ±∞ or NaN.
 */
export function checkIntegerDivisor(op: string, dtype: DType, b: Tensor): void {
  if (isFloat(dtype) || b.size === 0) return;
  if (sum(eq(b, 0)).item() > 0) {
    throw new ValueError(
      op,
      "integer division by zero (b holds a 0)",
      `cast to float for IEEE results (±inf, nan), as in b.cast("float32")`,
    );
  }
}
