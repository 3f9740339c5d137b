import type { TensorLike } from "../../tensor.js";
import { type CumulativeExtreme, cumminOp, cumulativeExtreme } from "./cummax.js";

/**
 * Running minimum along `axis` and its positions: values[..., j, ...] = min_{i ≤ j} x[..., i, ...].
 * Ties report the later position and a NaN, once reached, stays, as in PyTorch.
 * x: [...S] → values [...S], indices [...S] (int32)
 * @example cummin(tensor([2, 1, 3, 1]), 0) // values tensor([2., 1., 1., 1.]), indices [0, 1, 1, 3]
 */
export function cummin(x: TensorLike, axis: number): CumulativeExtreme {
  return cumulativeExtreme(cumminOp, x, axis);
}
