import { applyOp, type OpSpec } from "../autograd/apply.js";
import { isFloat } from "../dtype.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

const divOp: OpSpec = {
  name: "div",
  broadcast: true,
  forward: ([a, b]) => {
    const dtype = arithmeticDtype("div", a, b);
    // True division: integers divide to float32, as in NumPy and PyTorch.
    return binaryKernel("div", "div", a, b, isFloat(dtype) ? dtype : "float32");
  },
  backward: (g, { inputs: [a, b], output }) => [
    // d(a/b)/da = 1/b
    a.requiresGrad ? div(g, b) : null,
    // d(a/b)/db = -a/b² = -out/b
    b.requiresGrad ? neg(div(mul(g, output), b)) : null,
  ],
};

/**
 * Elementwise a / b with NumPy broadcasting (true division: integers give float32).
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example div(tensor([1, 3]), 2) // tensor([0.5000, 1.5000])
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(divOp, [a, b], undefined);
}
