import { applyOp, type OpSpec } from "../../autograd/apply.js";
import type { ReduceKernel } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { normalizeAxes, reducedShape } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { ne } from "../comparison.js";
import { asTensor, empty } from "../kernels.js";
import type { ReduceAttrs } from "../sum.js";

/**
 * A logical reduction: the truth of each element (nonzero, NaN included) reduced with max
 * (any: false over nothing) or prod (all: true over nothing). Bool out, no gradient.
 */
export function logicalReduceOp(name: "any" | "all", kernel: ReduceKernel): OpSpec<ReduceAttrs> {
  return {
    name,
    forward: ([x], { axes, keepDims }) => {
      const truth = x.dtype === "bool" ? x : ne(x, 0);
      const out = empty(reducedShape(x.shape, axes, keepDims), "bool");
      getBackend().reduce(kernel, truth.storage, x.shape, axes, out.storage);
      return out;
    },
  };
}

const anyOp = logicalReduceOp("any", "max");

/** Applies a logical reduction over `axis` (one, several, or all when omitted). */
export function logicalReduce(
  spec: OpSpec<ReduceAttrs>,
  x: TensorLike,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  const t = asTensor(x);
  return applyOp(spec, [t], { axes: normalizeAxes(spec.name, axis, t.shape), keepDims });
}

/**
 * Whether any element over `axis` is nonzero (one, several, or all axes when omitted), as a
 * bool tensor; false over an empty axis.
 * x: [2, 3], axis 1 → [2]
 * @example any(tensor([[0, 1], [0, 0]]), 1) // tensor([true, false], dtype=bool)
 */
export function any(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  return logicalReduce(anyOp, x, axis, keepDims);
}
