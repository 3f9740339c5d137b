import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { mul } from "../mul.js";
import { floatUnary } from "./float-kernels.js";

const tanOp: OpSpec = {
  name: "tan",
  forward: ([x]) => floatUnary("tan", x!),
  // d tan x = g·(1 + tan² x) = g·(1 + out²)
  backward: (g, { output }) => [mul(g, add(1, mul(output, output)))],
};

/**
 * Elementwise tangent. Integer and bool inputs give float32, as in PyTorch.
 * x: [...S] → [...S]
 * @example tan(tensor([0, 1])) // tensor([0.0000, 1.5574])
 */
export function tan(x: TensorLike): Tensor {
  return applyOp(tanOp, [x], undefined);
}
