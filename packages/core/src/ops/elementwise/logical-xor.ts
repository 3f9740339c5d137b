import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel } from "../kernels.js";

// A bool result carries no gradient, so logicalXor records no backward rule. The inputs may be
// of any dtypes, mixed: only whether each element is nonzero matters.
const logicalXorOp: OpSpec = {
  name: "logicalXor",
  forward: ([a, b]) => binaryKernel("logicalXor", "logicalXor", a!, b!, "bool"),
};

/**
 * Elementwise logical a xor b (exactly one true) with NumPy broadcasting, reading 0 as false and
 * anything else
 * (NaN included) as true; a bool tensor.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example logicalXor(tensor([0, 1]), tensor([1, 1])) // tensor([ true, false], dtype=bool)
 */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(logicalXorOp, [a, b], undefined);
}
