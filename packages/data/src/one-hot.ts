import { checkOptions, DTypeError, type Tensor, ValueError, zeros } from "@tensortape/core";
import { formatValue } from "./format-value.js";

/** Options of `oneHot`. */
export interface OneHotOptions {
  /** Default float32. */
  readonly dtype?: "float32" | "float64" | "int32";
}

/**
 * One-hot encodes integer class labels: out[..., c] is 1 where the label is c, else 0.
 * labels: [...] int32 → [..., numClasses]
 * @example oneHot(tensor([2, 0], { dtype: "int32" }), 3).toArray() // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: Tensor, numClasses: number, options: OneHotOptions = {}): Tensor {
  checkOptions("oneHot", options, ["dtype"]);
  const { dtype = "float32" } = options;
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32") {
    throw new ValueError(
      "oneHot",
      `dtype must be "float32", "float64" or "int32"; got ${formatValue(dtype)}`,
    );
  }
  if (labels.dtype !== "int32") {
    throw new DTypeError(
      "oneHot",
      "labels must be int32",
      { labels: labels.dtype },
      'use labels.cast("int32")',
    );
  }
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new ValueError("oneHot", `numClasses must be a positive integer; got ${numClasses}`);
  }
  const out = zeros([...labels.shape, numClasses], { dtype });
  const src = labels.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c < 0 || c >= numClasses) {
      throw new ValueError(
        "oneHot",
        `label ${c} at flat index ${i} is outside [0, ${numClasses})`,
        "numClasses must exceed the largest label",
      );
    }
    dst[i * numClasses + c] = 1;
  }
  return out;
}
