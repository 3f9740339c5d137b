import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { div } from "../div.js";
import { exp } from "../exp.js";
import { binaryKernel } from "../kernels.js";
import { sub } from "../sub.js";
import { floatOnlyDtype } from "./float-kernels.js";

/**
 * One kernel rather than max(a, b) + log1p(exp(−|a − b|)) from ops: the same expression,
 * but the case a = b = ±∞ (whose difference is NaN) needs a branch, as in PyTorch's kernel.
 */
const logaddexpOp: OpSpec = {
  name: "logaddexp",
  broadcast: true,
  forward: ([a, b]) => {
    return binaryKernel("logaddexp", "logaddexp", a!, b!, floatOnlyDtype("logaddexp", a!, b!));
  },
  backward: (g, { inputs: [a, b] }) => [
    // ∂ log(eᵃ + eᵇ)/∂a = eᵃ/(eᵃ + eᵇ) = 1/(1 + e^(b−a))
    a!.requiresGrad ? div(g, add(1, exp(sub(b!, a!)))) : null,
    // ∂ log(eᵃ + eᵇ)/∂b = 1/(1 + e^(a−b))
    b!.requiresGrad ? div(g, add(1, exp(sub(a!, b!)))) : null,
  ],
};

/**
 * Elementwise log(eᵃ + eᵇ) without overflow, with NumPy broadcasting. Float inputs only
 * (an integer beside a float is promoted), as in PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example logaddexp(tensor([0, 1000]), tensor([0, 1000])) // tensor([   0.6931, 1000.6932])
 */
export function logaddexp(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(logaddexpOp, [a, b], undefined);
}
