import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, scalarConstant } from "../kernels.js";

// A bool result carries no gradient, so logicalNot records no backward rule.
const logicalNotOp: OpSpec = {
  name: "logicalNot",
  // Zero (±0) is false and anything else true, NaN included: not x is x = 0.
  forward: ([x]) =>
    binaryKernel("logicalNot", "eq", x!, scalarConstant("logicalNot", 0, x!.dtype), "bool"),
};

/**
 * Elementwise logical not of any dtype, reading 0 as false and anything else (NaN
 * included) as true; a bool tensor.
 * x: [...S] → [...S]
 * @example logicalNot(tensor([0, 2, NaN])) // tensor([ true, false, false], dtype=bool)
 */
export function logicalNot(x: TensorLike): Tensor {
  return applyOp(logicalNotOp, [x], undefined);
}
