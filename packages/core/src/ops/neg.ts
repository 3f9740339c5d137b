import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { unaryKernel } from "./kernels.js";

const negOp: OpSpec = {
  name: "neg",
  forward: ([x]) => unaryKernel("neg", "neg", x, true),
  // d(-x) = -g
  backward: (g) => [neg(g)],
};

/**
 * Elementwise negation, -x. int32 stays int32 (−2³¹ wraps to itself); bool is rejected, as
 * in PyTorch (use logicalNot).
 * x: [...S] → [...S]
 * @example neg(tensor([1, -2])) // tensor([-1., 2.])
 */
export function neg(x: TensorLike): Tensor {
  return applyOp(negOp, [x], undefined);
}
