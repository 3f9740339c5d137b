import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel } from "../kernels.js";

// A bool result carries no gradient, so logicalOr records no backward rule. The inputs may be
// of any dtypes, mixed: only whether each element is nonzero matters.
const logicalOrOp: OpSpec = {
  name: "logicalOr",
  forward: ([a, b]) => binaryKernel("logicalOr", "logicalOr", a!, b!, "bool"),
};

/**
 * Elementwise logical a or b with NumPy broadcasting, reading 0 as false and anything else
 * (NaN included) as true; a bool tensor.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example logicalOr(tensor([0, 0]), tensor([0, 3])) // tensor([false,  true], dtype=bool)
 */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(logicalOrOp, [a, b], undefined);
}
