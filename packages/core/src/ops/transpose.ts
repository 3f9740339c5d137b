import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { AxisError, ShapeError } from "../errors.js";
import { normalizeAxis, stridesOf } from "../shape.js";
import type { Tensor, TensorLike } from "../tensor.js";
import { asTensor, empty } from "./kernels.js";

const transposeOp: OpSpec<readonly number[]> = {
  name: "transpose",
  forward: ([x], axes) => {
    const out = empty(
      axes.map((a) => x.shape[a]!),
      x.dtype,
    );
    const strides = stridesOf(x.shape);
    getBackend().copy(
      { data: x.storage, offset: 0, strides: axes.map((a) => strides[a]!) },
      { data: out.storage, offset: 0, strides: stridesOf(out.shape) },
      out.shape,
    );
    return out;
  },
  // d transpose(x, p) = transpose(g, p⁻¹)
  backward: (g, { attrs: axes }) => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => {
      inverse[a] = i;
    });
    return [transpose(g, inverse)];
  },
};

/**
 * Permutes the axes: output axis i is input axis `axes[i]`. Without `axes`, reverses them all
 * (NumPy's default). Copies the data into the new order. A 0-d tensor takes `[0]` or `[-1]`
 * (its one notional axis) and comes back unchanged.
 * x: [2, 3, 4], axes [2, 0, 1] → [4, 2, 3]
 * @example transpose(tensor([[1, 2, 3]])) // tensor([[1.], [2.], [3.]])
 */
export function transpose(x: TensorLike, axes?: readonly number[]): Tensor {
  const t = asTensor(x);
  const rank = t.rank;
  let perm = axes
    ? axes.map((a) => normalizeAxis("transpose", a, t.shape))
    : [...t.shape.keys()].reverse();
  // A 0-d tensor counts as one axis of size 1 (normalizeAxis): [0] or [-1] names it, and
  // permuting it leaves the scalar as it is, which swapAxes(x, 0, -1) relies on.
  if (rank === 0 && perm.length === 1) perm = [];
  if (perm.length !== rank) {
    throw new ShapeError(
      "transpose",
      "axes must name every dimension once",
      { x: t.shape, axes: perm },
      `${perm.length} axes for rank ${rank}`,
    );
  }
  const seen = new Set<number>();
  for (const a of perm) {
    if (seen.has(a)) throw new AxisError("transpose", a, t.shape, "axis repeated");
    seen.add(a);
  }
  return applyOp(transposeOp, [t], perm);
}

/**
 * Swaps two axes (torch.transpose, torch.swapaxes). A 0-d tensor takes 0 and -1 and comes back
 * unchanged, as in PyTorch.
 * x: [..., M, N], -2, -1 → [..., N, M]
 */
export function swapAxes(x: TensorLike, axis1: number, axis2: number): Tensor {
  const t = asTensor(x);
  const a = normalizeAxis("swapAxes", axis1, t.shape);
  const b = normalizeAxis("swapAxes", axis2, t.shape);
  const perm = [...t.shape.keys()];
  perm[a] = b;
  perm[b] = a;
  return transpose(t, perm);
}
