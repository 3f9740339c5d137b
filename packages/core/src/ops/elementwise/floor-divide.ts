import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, numericDtype } from "../kernels.js";
import { checkIntegerDivisor } from "./float-kernels.js";

// Piecewise constant: its derivative is 0 wherever it exists, so floorDivide records no
// backward rule (PyTorch records one that raises "derivative not implemented").
const floorDivideOp: OpSpec = {
  name: "floorDivide",
  forward: ([a, b]) => {
    const dtype = numericDtype("floorDivide", a!, b!);
    checkIntegerDivisor("floorDivide", dtype, b!);
    return binaryKernel("floorDivide", "floorDivide", a!, b!, dtype);
  },
};

/**
 * Elementwise ⌊a/b⌋ with NumPy broadcasting (Python's //, torch.floor_divide), consistent
 * with `remainder`: a = b·floorDivide(a, b) + remainder(a, b). Integers stay int32 and
 * throw on a zero divisor, as in PyTorch; floats give ±∞ or NaN there. Carries no gradient.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example floorDivide(tensor([7, -7], { dtype: "int32" }), 2) // tensor([ 3, -4], dtype=int32)
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(floorDivideOp, [a, b], undefined);
}
