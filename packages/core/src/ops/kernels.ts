/**
 * Helpers that ops use to call backend kernels: allocating outputs, broadcasting strides,
 * and the dtype rules for elementwise ops. Kept in one place so each op file holds only its
 * shape rule, its forward and its backward rule.
 */
import type { BinaryKernel, StridedView, UnaryKernel } from "../backend/backend.js";
import { getBackend } from "../backend/registry.js";
import {
  allocateOn,
  DeviceArray,
  type DeviceName,
  enterDevice,
  exitDevice,
  placeOn,
  type Storage,
  targetDevice,
} from "../device.js";
import { allocate, type DType, isFloat, type TypedArray } from "../dtype.js";
import { DTypeError, ValueError } from "../errors.js";
import { broadcastShapes, broadcastStrides, type Shape, sizeOf, stridesOf } from "../shape.js";
import { Tensor } from "../tensor.js";

/**
 * Runs `body` on `device` as applyOp runs an op's forward on its inputs' device: the kernels
 * it calls and the tensors it makes (`empty`, `fromHost`, `arange`, `tensor`...) go there.
 * For code outside an op's forward (ops without a gradient that call kernels themselves,
 * composites that build index or weight tensors), which would otherwise follow the default
 * device rather than its input.
 */
export function onDevice<T>(device: DeviceName, body: () => T): T {
  const previous = enterDevice(device);
  try {
    return body();
  } finally {
    exitDevice(previous);
  }
}

/** A new tensor of `shape` and `dtype`, zero-filled, on the running op's device. */
export function empty(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocateOn(targetDevice(), dtype, sizeOf(shape)), shape, dtype);
}

/**
 * `data` (computed on the CPU: a constant, coordinates read off data) as a tensor of `shape`
 * on the running op's device.
 */
export function fromHost(op: string, data: TypedArray, shape: Shape, dtype: DType): Tensor {
  return new Tensor(placeOn(targetDevice(), data, dtype, op), shape, dtype);
}

/** A one-element constant on the running op's device, for a kernel view with all strides 0. */
export function constantStorage(op: string, value: number, dtype: DType): Storage {
  const data = allocate(dtype, 1);
  data[0] = value;
  return placeOn(targetDevice(), data, dtype, op);
}

/**
 * A 0-d constant on the running op's device, for a forward to pass to a kernel beside its
 * inputs (`Tensor.scalar` is a CPU tensor, which a device's kernels cannot read).
 */
export function scalarConstant(op: string, value: number, dtype: DType): Tensor {
  return new Tensor(constantStorage(op, value, dtype), [], dtype);
}

/** The contiguous tensor `t` read with the strides of `shape` it broadcasts to. */
export function broadcastView(t: Tensor, shape: Shape): StridedView<Storage> {
  return { data: t.storage, offset: 0, strides: broadcastStrides(t.shape, shape) };
}

export function contiguousView(t: Tensor): StridedView<Storage> {
  return { data: t.storage, offset: 0, strides: stridesOf(t.shape) };
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
 * The result dtype of an arithmetic op, PyTorch's type promotion over our four dtypes:
 * float32 and float64 never mix silently; integers and booleans combine with floats by taking
 * the float dtype, int32 with bool gives int32, and two bools give bool (each op then says
 * what that means, or rejects it as PyTorch does).
 */
export function arithmeticDtype(op: string, a: Tensor, b: Tensor): DType {
  const dtype = promoteDtypes(a.dtype, b.dtype);
  if (dtype === undefined) {
    throw new DTypeError(
      op,
      "float32 and float64 tensors cannot be mixed",
      { a: a.dtype, b: b.dtype },
      "cast one of them, as in b.cast(a.dtype)",
    );
  }
  return dtype;
}

/** The promoted dtype of a and b (see arithmeticDtype), or undefined for float32 with float64. */
export function promoteDtypes(a: DType, b: DType): DType | undefined {
  if (a === b) return a;
  if (isFloat(a) && isFloat(b)) return undefined;
  if (isFloat(a)) return a;
  if (isFloat(b)) return b;
  return "int32";
}

/**
 * The result dtype of an op that PyTorch defines on numbers but not on two bools (pow,
 * remainder, fmod, floorDivide): arithmeticDtype's, with two bools rejected.
 */
export function numericDtype(op: string, a: Tensor, b: Tensor): DType {
  const dtype = arithmeticDtype(op, a, b);
  if (dtype === "bool") {
    throw new DTypeError(
      op,
      "is not defined for two bool tensors",
      { a: a.dtype, b: b.dtype },
      `cast one of them first, as in a.cast("int32")`,
    );
  }
  return dtype;
}

/** Throws if x is bool: the op is defined on numbers only, as in PyTorch. */
export function rejectBool(op: string, x: Tensor, name = "x"): void {
  if (x.dtype === "bool") {
    throw new DTypeError(
      op,
      "is not defined for bool tensors",
      { [name]: x.dtype },
      `cast first, as in ${name}.cast("int32"), or use the logical ops`,
    );
  }
}

/**
 * Applies a unary kernel to a float tensor, keeping its dtype; also to an int32 one with
 * `integers` (ops exact on integers: abs, neg, relu) and to a bool one with `bools` (ops that
 * map {0, 1} into itself: sign).
 */
export function unaryKernel(
  op: string,
  kernel: UnaryKernel,
  x: Tensor,
  integers = false,
  bools = false,
): Tensor {
  const accepted =
    isFloat(x.dtype) || (integers && x.dtype === "int32") || (bools && x.dtype === "bool");
  if (!accepted) {
    if (integers) rejectBool(op, x);
    requireFloat(op, x);
  }
  const out = empty(x.shape, x.dtype);
  getBackend().unary(kernel, x.storage, out.storage);
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
  getBackend().binary(kernel, broadcastView(a, shape), broadcastView(b, shape), out.storage, shape);
  return out;
}

/** A number becomes a float32 scalar tensor; a tensor is returned as it is. */
export function asTensor(x: Tensor | number): Tensor {
  return x instanceof Tensor ? x : Tensor.scalar(x, "float32");
}

/**
 * For a tensor on a device: registers `bad` (a 0-d bool computed there, true when an input is
 * invalid) to throw a ValueError `${op}: ${message}` at the next read, so that validating data
 * on a GPU costs no wait for it (as CUDA reports a device-side assert). On the CPU, where the
 * data is at hand, ops check it directly and say exactly which element is wrong.
 */
export function checkOnDevice(op: string, bad: Tensor, message: string): void {
  const flag = bad.storage;
  if (flag instanceof DeviceArray) flag.runtime.deferCheck(flag, op, message);
  else if (flag[0]) throw new ValueError(op, message);
}
