import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { binaryKernel, numericDtype } from "../kernels.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { checkIntegerDivisor } from "./float-kernels.js";
import { trunc } from "./trunc.js";

const fmodOp: OpSpec = {
  name: "fmod",
  broadcast: true,
  forward: ([a, b]) => {
    const dtype = numericDtype("fmod", a!, b!);
    checkIntegerDivisor("fmod", dtype, b!);
    return binaryKernel("fmod", "fmod", a!, b!, dtype);
  },
  backward: (g, { inputs: [a, b] }) => [
    // ∂(a − b·trunc(a/b))/∂a = 1
    a!.requiresGrad ? g : null,
    // ∂(a − b·trunc(a/b))/∂b = −trunc(a/b)
    b!.requiresGrad ? mul(neg(g), trunc(div(a!, b!))) : null,
  ],
};

/**
 * Elementwise remainder of a / b with the sign of a (C's fmod, torch.fmod), with NumPy
 * broadcasting: a − b·trunc(a/b). Integers stay int32 and throw on a zero divisor, as in
 * PyTorch; floats give NaN there.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example fmod(tensor([5, -5], { dtype: "int32" }), 3) // tensor([ 2, -2], dtype=int32)
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(fmodOp, [a, b], undefined);
}
