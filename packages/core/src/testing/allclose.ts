import { checkOptions } from "../errors.js";
import { formatShape, shapesEqual } from "../shape.js";
import type { NestedArray, Tensor } from "../tensor.js";

/** Tolerances of `assertClose`: elements pass when |actual − expected| ≤ atol + rtol·|expected|. */
export interface CloseOptions {
  /** Absolute tolerance. Default 1e-6. */
  readonly atol?: number;
  /** Relative tolerance. Default 1e-5. */
  readonly rtol?: number;
}

function flat(x: Tensor | NestedArray | ArrayLike<number>): {
  values: ArrayLike<number>;
  shape?: readonly number[];
} {
  if (typeof x === "number") return { values: [x] };
  if (Array.isArray(x)) {
    const values: number[] = [];
    const walk = (v: NestedArray): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else values.push(v);
    };
    walk(x as NestedArray);
    return { values };
  }
  if ("shape" in x && "data" in x)
    return { values: (x as Tensor).data, shape: (x as Tensor).shape };
  return { values: x as ArrayLike<number> };
}

/** The largest |a − b| over all elements (Infinity if the sizes differ). */
export function maxAbsDiff(
  a: Tensor | NestedArray | ArrayLike<number>,
  b: Tensor | NestedArray | ArrayLike<number>,
): number {
  const x = flat(a).values;
  const y = flat(b).values;
  if (x.length !== y.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (Number.isNaN(d)) {
      if (!(Number.isNaN(x[i]!) && Number.isNaN(y[i]!))) return Number.POSITIVE_INFINITY;
    } else if (d > worst) worst = d;
  }
  return worst;
}

/**
 * Throws unless |actual − expected| ≤ atol + rtol·|expected| everywhere (NumPy's allclose),
 * naming the worst element. Shapes must match when both are tensors.
 */
export function assertClose(
  actual: Tensor | NestedArray | ArrayLike<number>,
  expected: Tensor | NestedArray | ArrayLike<number>,
  options: CloseOptions = {},
): void {
  checkOptions("assertClose", options, ["atol", "rtol"]);
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const a = flat(actual);
  const e = flat(expected);
  if (a.shape && e.shape && !shapesEqual(a.shape, e.shape)) {
    throw new Error(
      `assertClose: shapes differ: ${formatShape(a.shape)} and ${formatShape(e.shape)}`,
    );
  }
  if (a.values.length !== e.values.length) {
    throw new Error(`assertClose: sizes differ: ${a.values.length} and ${e.values.length}`);
  }
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = e.values[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      throw new Error(
        `assertClose: element ${i} is ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`,
      );
    }
  }
}
