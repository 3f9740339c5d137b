/**
 * Elementwise comparisons. They return bool tensors and carry no gradient (the derivative of
 * a step is 0 wherever it exists), so they record nothing on the tape.
 */
import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { BinaryKernel } from "../backend/backend.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";

function comparison(kernel: BinaryKernel & ("eq" | "ne" | "lt" | "le" | "gt" | "ge")): OpSpec {
  return {
    name: kernel,
    forward: ([a, b]) => {
      arithmeticDtype(kernel, a, b); // the same dtype rules as arithmetic
      return binaryKernel(kernel, kernel, a, b, "bool");
    },
  };
}

const eqOp = comparison("eq");
const neOp = comparison("ne");
const ltOp = comparison("lt");
const leOp = comparison("le");
const gtOp = comparison("gt");
const geOp = comparison("ge");

/** a = b elementwise, broadcast; a bool tensor. @example eq(tensor([1, 2]), 2) // tensor([false, true], dtype=bool) */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(eqOp, [a, b], undefined);
}
/** a ≠ b elementwise, broadcast; a bool tensor. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(neOp, [a, b], undefined);
}
/** a < b elementwise, broadcast; a bool tensor. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(ltOp, [a, b], undefined);
}
/** a ≤ b elementwise, broadcast; a bool tensor. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(leOp, [a, b], undefined);
}
/** a > b elementwise, broadcast; a bool tensor. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(gtOp, [a, b], undefined);
}
/** a ≥ b elementwise, broadcast; a bool tensor. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(geOp, [a, b], undefined);
}
