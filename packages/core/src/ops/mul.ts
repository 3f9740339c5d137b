import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";

const mulOp: OpSpec = {
  name: "mul",
  broadcast: true,
  forward: ([a, b]) => binaryKernel("mul", "mul", a, b, arithmeticDtype("mul", a, b)),
  backward: (g, { inputs: [a, b] }) => [
    // d(a·b)/da = b
    a.requiresGrad ? mul(g, b) : null,
    // d(a·b)/db = a
    b.requiresGrad ? mul(g, a) : null,
  ],
};

/**
 * Elementwise a · b with NumPy broadcasting. Two bools give a bool (their logical and), as in
 * PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example mul(tensor([1, 2]), tensor([3, 4])) // tensor([3., 8.])
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(mulOp, [a, b], undefined);
}
