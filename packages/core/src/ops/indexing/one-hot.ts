import { getBackend } from "../../backend/registry.js";
import { ValueError } from "../../errors.js";
import { formatShape, stridesOf } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { constantStorage, empty, onDevice } from "../kernels.js";
import { requireInt32 } from "./index-select.js";

/**
 * A one at each class index, zeros elsewhere, along a new last axis of `numClasses` (by
 * default one more than the largest index), as int32 (torch.nn.functional.one_hot). Carries
 * no gradient.
 * index: [N] (int32) → [N, numClasses] (int32)
 * @example oneHot(tensor([0, 2], { dtype: "int32" })) // tensor([[1, 0, 0], [0, 0, 1]], dtype=int32)
 */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  requireInt32("oneHot", index, "index");
  if (!Number.isInteger(numClasses) || numClasses < -1) {
    throw new ValueError(
      "oneHot",
      `numClasses must be a non-negative integer, or -1 to infer it; got ${numClasses}`,
    );
  }
  const data = index.data;
  // The class count, when inferred, decides the output's shape: read on the CPU (a GPU
  // backend will need a read-back here), as is the range check, as in gather.
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
    numClasses = largest + 1;
  } else if (largest >= numClasses) {
    const at = Array.from(data).findIndex((v) => v >= numClasses);
    throw new ValueError(
      "oneHot",
      `class values must be smaller than numClasses ${numClasses}; got ${largest} at position ${at} of index ${formatShape(index.shape)}`,
    );
  }
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
