import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import type { DType } from "../dtype.js";
import { isDType } from "../dtype.js";
import { ValueError } from "../errors.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, contiguousView, empty } from "./kernels.js";

const castOp: OpSpec<DType> = {
  name: "cast",
  forward: ([x], dtype) => {
    const out = empty(x.shape, dtype);
    // Casting to bool keeps "nonzero"; to int32, truncates toward zero (typed-array rules).
    const source = dtype === "bool" ? x.ne(0) : x;
    getBackend().copy(contiguousView(source), contiguousView(out), x.shape);
    return out;
  },
  // A float-to-float cast passes the gradient through, cast back. Other casts carry none.
  backward: (g, { inputs: [x] }) => [cast(g, x.dtype)],
};

/**
 * The elements converted to `dtype` (a copy; the same tensor if already of that dtype).
 * @example cast(tensor([1.7, -1.7]), "int32") // tensor([1, -1], dtype=int32)
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = asTensor(x);
  if (!isDType(dtype)) throw new ValueError("cast", `unknown dtype "${String(dtype)}"`);
  if (t.dtype === dtype) return t;
  return applyOp(castOp, [t], dtype);
}
