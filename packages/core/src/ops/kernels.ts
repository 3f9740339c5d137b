/**
 * Helpers that ops use to call backend kernels: allocating outputs, broadcasting strides,
 * and the dtype rules for elementwise ops. Kept in one place so each op file holds only its
 * shape rule, its forward and its backward rule.
 */
import type { BinaryKernel, StridedView, UnaryKernel } from "../backend/backend.js";
import { getBackend } from "../backend/registry.js";
import { allocate, type DType, isFloat } from "../dtype.js";
import { DTypeError } from "../errors.js";
import { broadcastShapes, broadcastStrides, type Shape, sizeOf, stridesOf } from "../shape.js";
import { Tensor } from "../tensor.js";

/** A new tensor of `shape` and `dtype`, zero-filled. */
export function empty(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape, dtype);
}

/** The contiguous tensor `t` read with the strides of `shape` it broadcasts to. */
export function broadcastView(t: Tensor, shape: Shape): StridedView {
  return { data: t.data, offset: 0, strides: broadcastStrides(t.shape, shape) };
}

export function contiguousView(t: Tensor): StridedView {
  return { data: t.data, offset: 0, strides: stridesOf(t.shape) };
}

/** Throws unless `x` is float: the op is only defined (or only differentiable) there. */
export function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      op,
      "expects a float tensor",
      { x: x.dtype },
      `cast first, as in x.cast("float32")`,
    );
  }
}

/**
 * The result dtype of an arithmetic op: float32 and float64 never mix silently; integers and
 * booleans combine with floats by taking the float dtype, and with each other as int32.
 */
export function arithmeticDtype(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype === b.dtype) return a.dtype === "bool" ? "int32" : a.dtype;
  if (isFloat(a.dtype) && isFloat(b.dtype)) {
    throw new DTypeError(
      op,
      "float32 and float64 tensors cannot be mixed",
      { a: a.dtype, b: b.dtype },
      "cast one of them, as in b.cast(a.dtype)",
    );
  }
  if (isFloat(a.dtype)) return a.dtype;
  if (isFloat(b.dtype)) return b.dtype;
  return "int32";
}

/** Applies a unary kernel to a float tensor (or an int32 one, for ops exact on integers). */
export function unaryKernel(op: string, kernel: UnaryKernel, x: Tensor, integers = false): Tensor {
  if (!(integers && x.dtype === "int32")) requireFloat(op, x);
  const out = empty(x.shape, x.dtype);
  getBackend().unary(kernel, x.data, out.data);
  return out;
}

/** Applies a binary kernel with NumPy broadcasting, writing `dtype`. */
export function binaryKernel(
  op: string,
  kernel: BinaryKernel,
  a: Tensor,
  b: Tensor,
  dtype: DType,
): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = empty(shape, dtype);
  getBackend().binary(kernel, broadcastView(a, shape), broadcastView(b, shape), out.data, shape);
  return out;
}

/** A number becomes a float32 scalar tensor; a tensor is returned as it is. */
export function asTensor(x: Tensor | number): Tensor {
  return x instanceof Tensor ? x : Tensor.scalar(x, "float32");
}
