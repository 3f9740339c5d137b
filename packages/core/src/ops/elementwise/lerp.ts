import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isFloat } from "../../dtype.js";
import { DTypeError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { abs } from "../abs.js";
import { add } from "../add.js";
import { lt } from "../comparison.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { where } from "../where.js";

/**
 * Built from ops in the forward, as PyTorch's kernel computes it: a + w·(b − a) for |w| < ½
 * and b − (b − a)·(1 − w) otherwise, so that w = 0 gives a and w = 1 gives b exactly. A
 * kernel of its own would save passes but not precision; the rule is PyTorch's.
 */
const lerpOp: OpSpec = {
  name: "lerp",
  broadcast: true,
  forward: ([a, b, w]) => {
    for (const [name, t] of [
      ["end", b!],
      ["weight", w!],
    ] as const) {
      if (!isFloat(a!.dtype) || t.dtype !== a!.dtype) {
        throw new DTypeError(
          "lerp",
          "expects float tensors of one dtype",
          { start: a!.dtype, [name]: t.dtype },
          `cast first, as in ${name}.cast("${isFloat(a!.dtype) ? a!.dtype : "float32"}")`,
        );
      }
    }
    const difference = sub(b!, a!);
    const near = add(a!, mul(w!, difference));
    const far = sub(b!, mul(difference, sub(1, w!)));
    return where(lt(abs(w!), 0.5), near, far);
  },
  backward: (g, { inputs: [a, b, w] }) => [
    // ∂ lerp/∂a = 1 − w
    a!.requiresGrad ? mul(g, sub(1, w!)) : null,
    // ∂ lerp/∂b = w
    b!.requiresGrad ? mul(g, w!) : null,
    // ∂ lerp/∂w = b − a
    w!.requiresGrad ? mul(g, sub(b!, a!)) : null,
  ],
};

/**
 * Elementwise linear interpolation a + weight·(b − a), all three broadcast; `weight` is a
 * number or a tensor. Float tensors of one dtype only, as in PyTorch.
 * a: [...A], b: [...B], weight: [...W] → broadcast([...A], [...B], [...W])
 * @example lerp(tensor([0, 10]), tensor([10, 20]), 0.25) // tensor([ 2.5000, 12.5000])
 */
export function lerp(a: TensorLike, b: TensorLike, weight: TensorLike): Tensor {
  return applyOp(lerpOp, [a, b, weight], undefined);
}
