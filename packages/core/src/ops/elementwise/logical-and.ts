import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel } from "../kernels.js";

// A bool result carries no gradient, so logicalAnd records no backward rule. The inputs may be
// of any dtypes, mixed: only whether each element is nonzero matters.
const logicalAndOp: OpSpec = {
  name: "logicalAnd",
  forward: ([a, b]) => binaryKernel("logicalAnd", "logicalAnd", a!, b!, "bool"),
};

/**
 * Elementwise logical a and b with NumPy broadcasting, reading 0 as false and anything else
 * (NaN included) as true; a bool tensor.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example logicalAnd(tensor([0, 2]), tensor([1, 1])) // tensor([false,  true], dtype=bool)
 */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(logicalAndOp, [a, b], undefined);
}
