import { getBackend } from "../../backend/registry.js";
import type { TypedArray } from "../../dtype.js";
import { ValueError } from "../../errors.js";
import { formatShape, stridesOf } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import { constantStorage, empty, onDevice } from "../kernels.js";
import { requireInt32 } from "./index-select.js";

/**
 * The number of classes, checked against the index's elements `data`: `numClasses`, or when
 * it is -1 one more than the largest index (which decides the output's shape).
 */
function classesOf(index: Tensor, data: TypedArray, numClasses: number): number {
  let largest = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0) {
      throw new ValueError(
        "oneHot",
        `class values must be non-negative; got ${v} at position ${i} of index ${formatShape(index.shape)}`,
      );
    }
    if (v > largest) largest = v;
  }
  if (numClasses === -1) {
    if (index.size === 0) {
      throw new ValueError(
        "oneHot",
        `cannot infer the number of classes from an empty index ${formatShape(index.shape)}`,
        "pass numClasses",
      );
    }
    return largest + 1;
  }
  if (largest >= numClasses) {
    const at = Array.from(data).findIndex((v) => v >= numClasses);
    throw new ValueError(
      "oneHot",
      `class values must be smaller than numClasses ${numClasses}; got ${largest} at position ${at} of index ${formatShape(index.shape)}`,
    );
  }
  return numClasses;
}

/** The one-hot rows of `index` over `numClasses` classes, on the index's device. */
function oneHotOf(index: Tensor, numClasses: number): Tensor {
  const shape = [...index.shape, numClasses];
  // Outside an op's forward: the kernel and the result go to the index's device.
  return onDevice(index.device, () => {
    const out = empty(shape, "int32");
    if (out.size === 0) return out;
    const positions = [...index.shape, 1];
    getBackend().scatterReduce(
      "assign",
      { data: constantStorage("oneHot", 1, "int32"), offset: 0, strides: positions.map(() => 0) },
      { data: index.storage, offset: 0, strides: [...stridesOf(index.shape), 0] },
      out.storage,
      stridesOf(shape),
      positions,
      index.rank,
      true,
    );
    return out;
  });
}

function oneHotPlan(index: Tensor, numClasses: number): HostPlan<Tensor> {
  requireInt32("oneHot", index, "index");
  if (!Number.isInteger(numClasses) || numClasses < -1) {
    throw new ValueError(
      "oneHot",
      `numClasses must be a non-negative integer, or -1 to infer it; got ${numClasses}`,
    );
  }
  // The inferred class count decides the output's shape, so the index is read on the host,
  // where the range check also names the bad value and its position.
  return {
    reads: [index],
    finish: ([data]) => oneHotOf(index, classesOf(index, data!, numClasses)),
  };
}

/**
 * A one at each class index, zeros elsewhere, along a new last axis of `numClasses` (by
 * default one more than the largest index), as int32 (torch.nn.functional.one_hot). Carries
 * no gradient. The index is read on the host (to infer the class count, which decides the
 * output's shape, and to check its range), so a GPU index is read back at once; on a
 * browser's main thread, which may not wait, use `oneHotAsync`.
 * index: [N] (int32) → [N, numClasses] (int32)
 * @example oneHot(tensor([0, 2], { dtype: "int32" })) // tensor([[1, 0, 0], [0, 0, 1]], dtype=int32)
 */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  return finishNow("oneHot", "oneHotAsync", oneHotPlan(index, numClasses));
}

/**
 * `oneHot` that awaits the index's data instead of blocking for it, so it infers the number of
 * classes of a GPU index on a browser's main thread too. Same result as `oneHot`.
 * index: [N] (int32) → [N, numClasses] (int32)
 * @example await oneHotAsync(tensor([0, 2], { dtype: "int32" })) // tensor([[1, 0, 0], [0, 0, 1]], dtype=int32)
 */
export async function oneHotAsync(index: Tensor, numClasses = -1): Promise<Tensor> {
  return finishLater(oneHotPlan(index, numClasses));
}
