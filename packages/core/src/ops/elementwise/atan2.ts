import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { mul } from "../mul.js";
import { neg } from "../neg.js";
import { where } from "../where.js";
import { floatBinary } from "./float-kernels.js";
import { isinf } from "./isinf.js";
import { reciprocal } from "./reciprocal.js";

const atan2Op: OpSpec = {
  name: "atan2",
  broadcast: true,
  forward: ([a, b]) => floatBinary("atan2", "atan2", a!, b!),
  backward: (g, { inputs: [a, b] }) => {
    // 1/(a² + b²), set to 0 where it overflows (at the origin), as PyTorch's atan2_backward:
    // the gradient there is 0 rather than NaN.
    const r = reciprocal(add(mul(a!, a!), mul(b!, b!)));
    const recip = where(isinf(r), 0, r);
    return [
      // ∂ atan2(a, b)/∂a = b/(a² + b²)
      a!.requiresGrad ? mul(mul(g, b!), recip) : null,
      // ∂ atan2(a, b)/∂b = −a/(a² + b²)
      b!.requiresGrad ? mul(mul(g, neg(a!)), recip) : null,
    ];
  },
};

/**
 * Elementwise angle of the point (b, a), atan(a/b) in the right quadrant, in (−π, π], with
 * NumPy broadcasting. Integer and bool inputs give float32, as in PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example atan2(tensor([1, 1]), tensor([1, -1])) // tensor([0.7854, 2.3562])
 */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(atan2Op, [a, b], undefined);
}
