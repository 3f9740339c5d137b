import { applyOp, type OpSpec } from "../autograd/apply.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, binaryKernel } from "./kernels.js";

const addOp: OpSpec = {
  name: "add",
  broadcast: true,
  forward: ([a, b]) => {
    const dtype = arithmeticDtype("add", a, b);
    // Two bools add to a bool, true where either is (PyTorch's bool +): 1 + 1 must not be 2.
    return binaryKernel("add", dtype === "bool" ? "logicalOr" : "add", a, b, dtype);
  },
  // d(a + b) = g·da + g·db
  backward: (g) => [g, g],
};

/**
 * Elementwise a + b with NumPy broadcasting. Two bools give a bool (their logical or), as in
 * PyTorch.
 * a: [...A], b: [...B] → broadcast([...A], [...B])
 * @example add(tensor([1, 2]), 10) // tensor([11., 12.])
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return applyOp(addOp, [a, b], undefined);
}
