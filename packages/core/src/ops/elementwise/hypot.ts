import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { div } from "../div.js";
import { binaryKernel } from "../kernels.js";
import { mul } from "../mul.js";
import { floatOnlyDtype } from "./float-kernels.js";

/**
 * One kernel (Math.hypot, as C's hypot) rather than √(a² + b²) from ops, which overflows
 * for |a| or |b| beyond 1e154 and underflows below 1e-154.
 */
const hypotOp: OpSpec = {
  name: "hypot",
  broadcast: true,
  forward: ([a, b]) => {
    return binaryKernel("hypot", "hypot", a!, b!, floatOnlyDtype("hypot", a!, b!));
  },
  backward: (g, { inputs: [a, b], output }) => [
    // ∂√(a² + b²)/∂a = a/out (NaN at the origin, as PyTorch)
    a!.requiresGrad ? div(mul(g, a!), output) : null,
    // ∂√(a² + b²)/∂b = b/out
    b!.requiresGrad ? div(mul(g, b!), output) : null,
  ],
};

/**
 * Elementwise √(a² + b²) without overflow or underflow, with NumPy broadcasting (∞ if
 * either is ±∞, even against NaN). Float inputs only (an integer
 * beside a float is promoted), as in PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example hypot(tensor([3, 1e30]), tensor([4, 1e30])) // tensor([ 5.0000e+0, 1.4142e+30])
 */
export function hypot(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(hypotOp, [a, b], undefined);
}
