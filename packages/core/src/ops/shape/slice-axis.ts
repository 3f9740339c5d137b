import type { Tensor } from "../../tensor.js";
import { sliceWith } from "../slice.js";

/** x[..., start:stop, ...] along one normalised axis, with 0 ≤ start ≤ stop ≤ size. */
export function sliceAxis(x: Tensor, axis: number, start: number, stop: number): Tensor {
  return sliceWith(x, {
    starts: x.shape.map((_, d) => (d === axis ? start : 0)),
    steps: x.shape.map(() => 1),
    shape: x.shape.map((n, d) => (d === axis ? stop - start : n)),
  });
}
