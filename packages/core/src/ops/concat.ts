import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";
import { normalizeAxis } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { cast } from "./cast.js";
import { asTensor, contiguousView, empty, promoteDtypes } from "./kernels.js";
import { type SliceSpec, sliceLayout, sliceWith } from "./slice.js";

/** Where each input lands along the concatenation axis. */
function regions(inputs: readonly Tensor[], axis: number): SliceSpec[] {
  let start = 0;
  return inputs.map((t) => {
    const starts = t.shape.map((_, d) => (d === axis ? start : 0));
    start += t.shape[axis]!;
    return { starts, steps: t.shape.map(() => 1), shape: t.shape };
  });
}

const concatOp: OpSpec<number> = {
  name: "concat",
  forward: (inputs, axis) => {
    const first = inputs[0]!;
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((n, t) => n + t.shape[axis]!, 0);
    const out = empty(shape, first.dtype);
    const backend = getBackend();
    regions(inputs, axis).forEach((region, i) => {
      backend.copy(
        contiguousView(inputs[i]!),
        { data: out.storage, ...sliceLayout(shape, region) },
        region.shape,
      );
    });
    return out;
  },
  // d concat(x₁, …, xₙ) = the slice of g each input filled
  backward: (g, { inputs, attrs: axis }) =>
    regions(inputs, axis).map((region, i) =>
      inputs[i]!.requiresGrad ? sliceWith(g, region) : null,
    ),
};

/**
 * Joins tensors along an existing axis; all other dimensions must agree. Dtypes promote as in
 * arithmetic (int32 and bool to int32, integers beside a float to the float), as torch.cat.
 * [2, 3] and [4, 3], axis 0 → [6, 3]
 * @example concat([tensor([1, 2]), tensor([3])]) // tensor([1., 2., 3.])
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("concat", "needs at least one tensor");
  const inputs = tensors.map(asTensor);
  const first = inputs[0]!;
  if (first.rank === 0)
    throw new ShapeError(
      "concat",
      "cannot concatenate 0-d tensors",
      { x: first.shape },
      undefined,
      "use stack()",
    );
  const ax = normalizeAxis("concat", axis, first.shape);
  let dtype = first.dtype;
  for (const [i, t] of inputs.entries()) {
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      throw new ShapeError("concat", `shapes must agree except along axis ${ax}`, {
        "tensor 0": first.shape,
        [`tensor ${i}`]: t.shape,
      });
    }
    const promoted = promoteDtypes(dtype, t.dtype);
    if (promoted === undefined) {
      throw new DTypeError(
        "concat",
        "float32 and float64 tensors cannot be mixed",
        {
          [`tensor ${inputs.findIndex((u) => u.dtype === dtype)}`]: dtype,
          [`tensor ${i}`]: t.dtype,
        },
        `cast one of them, as in t.cast("float64")`,
      );
    }
    dtype = promoted;
  }
  return applyOp(
    concatOp,
    inputs.map((t) => cast(t, dtype)),
    ax,
  );
}
