import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { DTypeError } from "../errors.js";
import { broadcastShapes } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { arithmeticDtype, broadcastView, empty } from "./kernels.js";

const whereOp: OpSpec = {
  name: "where",
  broadcast: true,
  forward: ([condition, a, b]) => {
    if (condition.dtype !== "bool") {
      throw new DTypeError(
        "where",
        "the condition must be a bool tensor",
        { condition: condition.dtype },
        "compare first, as in where(x.ne(0), a, b)",
      );
    }
    const shape = broadcastShapes(
      "where",
      broadcastShapes("where", condition.shape, a.shape),
      b.shape,
    );
    const out = empty(shape, arithmeticDtype("where", a, b));
    getBackend().where(
      broadcastView(condition, shape),
      broadcastView(a, shape),
      broadcastView(b, shape),
      out.storage,
      shape,
    );
    return out;
  },
  backward: (g, { inputs: [condition, a, b] }) => [
    null,
    // d where(c, a, b)/da = g where c holds, 0 elsewhere
    a.requiresGrad ? where(condition, g, 0) : null,
    // d where(c, a, b)/db = g where c does not hold
    b.requiresGrad ? where(condition, 0, g) : null,
  ],
};

/**
 * Elementwise choice: a where the bool `condition` is true, b elsewhere, all three broadcast;
 * the result takes a's and b's promoted dtype. Masking is `where(mask, x, 0)`.
 * @example where(tensor([1, 0], { dtype: "bool" }), tensor([1, 2]), tensor([9, 9])) // tensor([1., 9.])
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return applyOp(whereOp, [condition, a, b], undefined);
}
