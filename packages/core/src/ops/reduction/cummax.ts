import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { gather } from "../gather.js";
import { asTensor, empty } from "../kernels.js";
import { reshape } from "../reshape.js";
import { scanAxis, scanLayout } from "./scan-layout.js";

/** The running extremes of a cumulative max or min, and where along the axis each was found. */
export interface CumulativeExtreme {
  /** The running maximum (or minimum), shaped like the input. */
  readonly values: Tensor;
  /** int32 positions along the axis; ties report the later one, as in PyTorch. */
  readonly indices: Tensor;
}

/** The op that finds the positions; carries no gradient (its output is int32). */
function positionsOp(name: "cummax" | "cummin"): OpSpec<number> {
  return {
    name,
    forward: ([x], axis) => {
      const values = empty(x.shape, x.dtype);
      const indices = empty(x.shape, "int32");
      const { outer, axisLen, inner } = scanLayout(x.shape, axis);
      const kernel = name === "cummax" ? "max" : "min";
      getBackend().scan(kernel, x.storage, outer, axisLen, inner, values.storage, indices.storage);
      return indices;
    },
  };
}

const cummaxOp = positionsOp("cummax");
export const cumminOp = positionsOp("cummin");

/**
 * Runs a cumulative max or min. The values are read back from x at the positions found, so
 * their gradient flows to those elements alone: the scatter of g that PyTorch's
 * cummaxmin_backward does, here as gather's own rule.
 */
export function cumulativeExtreme(
  spec: OpSpec<number>,
  x: TensorLike,
  axis: number,
): CumulativeExtreme {
  const t = asTensor(x);
  const ax = scanAxis(spec.name, axis, t.shape);
  // A 0-d tensor scans as one element: gather needs an axis to read along.
  const line = t.rank === 0 ? reshape(t, [1]) : t;
  const indices = applyOp(spec, [line], ax);
  const values = gather(line, ax, indices);
  return { values: reshape(values, t.shape), indices: reshape(indices, t.shape) };
}

/**
 * Running maximum along `axis` and its positions: values[..., j, ...] = max_{i ≤ j} x[..., i, ...].
 * A NaN, once reached, stays. Each value's gradient goes to the element it came from.
 * x: [...S] → values [...S], indices [...S] (int32)
 * @example cummax(tensor([1, 3, 2, 3]), 0) // values tensor([1., 3., 3., 3.]), indices [0, 1, 1, 3]
 */
export function cummax(x: TensorLike, axis: number): CumulativeExtreme {
  return cumulativeExtreme(cummaxOp, x, axis);
}
