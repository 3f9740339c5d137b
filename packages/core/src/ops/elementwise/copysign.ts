import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { eq } from "../comparison.js";
import { div } from "../div.js";
import { mul } from "../mul.js";
import { where } from "../where.js";
import { floatBinary } from "./float-kernels.js";

const copysignOp: OpSpec = {
  name: "copysign",
  broadcast: true,
  forward: ([a, b]) => floatBinary("copysign", "copysign", a!, b!),
  backward: (g, { inputs: [a, b], output }) => [
    // ∂ copysign(a, b)/∂a = out/a (±1), set to 0 at a = 0, as PyTorch's
    // copysign_tensor_self_backward (so NaN at a = ±∞, where ∞/∞ is)
    a!.requiresGrad ? mul(g, where(eq(a!, 0), 0, div(output, a!))) : null,
    // ∂ copysign(a, b)/∂b = 0: the gradient is zeros (not none), as in PyTorch
    b!.requiresGrad ? g.zerosLike() : null,
  ],
};

/**
 * Elementwise |a| with the sign of b (its sign bit: −0 counts as negative), with NumPy
 * broadcasting. Integer and bool inputs give float32, as in PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example copysign(tensor([1, -2]), tensor([-0, 3])) // tensor([-1.0000,  2.0000])
 */
export function copysign(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(copysignOp, [a, b], undefined);
}
