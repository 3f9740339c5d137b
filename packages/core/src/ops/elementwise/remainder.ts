import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { binaryKernel, numericDtype } from "../kernels.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { checkIntegerDivisor } from "./float-kernels.js";
import { floorDivide } from "./floor-divide.js";

const remainderOp: OpSpec = {
  name: "remainder",
  broadcast: true,
  forward: ([a, b]) => {
    const dtype = numericDtype("remainder", a!, b!);
    checkIntegerDivisor("remainder", dtype, b!);
    return binaryKernel("remainder", "remainder", a!, b!, dtype);
  },
  backward: (g, { inputs: [a, b] }) => [
    // ∂(a − b·⌊a/b⌋)/∂a = 1
    a!.requiresGrad ? g : null,
    // ∂(a − b·⌊a/b⌋)/∂b = −⌊a/b⌋, with ⌊a/b⌋ the floor division, as PyTorch
    b!.requiresGrad ? mul(neg(g), floorDivide(a!, b!)) : null,
  ],
};

/**
 * Elementwise remainder of a / b with the sign of b (Python's %, torch.remainder), with
 * NumPy broadcasting: a − b·⌊a/b⌋. Integers stay int32 and throw on a zero divisor, as in
 * PyTorch; floats give NaN there.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example remainder(tensor([5, -5], { dtype: "int32" }), 3) // tensor([2, 1], dtype=int32)
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(remainderOp, [a, b], undefined);
}
