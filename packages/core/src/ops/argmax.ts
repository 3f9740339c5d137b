import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { ValueError } from "../errors.js";
import { formatShape, normalizeAxis, reducedShape } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, empty, rejectBool } from "./kernels.js";
import { reshape } from "./reshape.js";

interface ArgReduceAttrs {
  readonly axis: number;
  readonly keepDims: boolean;
}

function argReduceOp(name: "argmax" | "argmin"): OpSpec<ArgReduceAttrs> {
  return {
    name,
    forward: ([x], { axis, keepDims }) => {
      if (x.shape[axis] === 0) {
        throw new ValueError(
          name,
          `cannot reduce an empty axis; got shape ${formatShape(x.shape)}`,
        );
      }
      const out = empty(reducedShape(x.shape, [axis], keepDims), "int32");
      getBackend().argReduce(name, x.storage, x.shape, axis, out.storage);
      return out;
    },
  };
}

export const argmaxOp = argReduceOp("argmax");
export const argminOp = argReduceOp("argmin");

export function argReduce(
  spec: OpSpec<ArgReduceAttrs>,
  x: TensorLike,
  axis: number | undefined,
  keepDims: boolean,
): Tensor {
  const t = asTensor(x);
  // PyTorch's argmax and argmin reject bool inputs (any and all answer those questions).
  rejectBool(spec.name, t);
  if (axis === undefined)
    return applyOp(spec, [reshape(t, [t.size])], { axis: 0, keepDims: false });
  const ax = normalizeAxis(spec.name, axis, t.shape);
  // A 0-d tensor's one notional axis has size 1: its index is 0, and the result stays 0-d
  // with keepDims too, as in PyTorch.
  if (t.rank === 0) return applyOp(spec, [reshape(t, [1])], { axis: 0, keepDims: false });
  return applyOp(spec, [t], { axis: ax, keepDims });
}

/**
 * Index of the largest element along `axis` (of the flattened tensor when omitted), as int32.
 * Ties pick the first. Carries no gradient.
 * x: [N, C], axis 1 → [N]
 * @example argmax(tensor([[1, 5], [4, 3]]), 1) // tensor([1, 0], dtype=int32)
 */
export function argmax(x: TensorLike, axis?: number, keepDims = false): Tensor {
  return argReduce(argmaxOp, x, axis, keepDims);
}
