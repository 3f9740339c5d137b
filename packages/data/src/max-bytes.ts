import { ValueError } from "@tensortape/core";
import { formatValue } from "./format-value.js";

/**
 * The default `maxBytes` of every function that reads IDX or MNIST files: 1 GiB per file, after
 * decompression. MNIST's largest file is 47 MB and EMNIST's 700 MB; a gzip "bomb" (a few
 * megabytes that decompress to gigabytes) stops here instead of exhausting memory.
 * @example loadMnist({ dir, maxBytes: 4 * DEFAULT_MAX_BYTES }); // allow 4 GiB per file
 */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/**
 * `maxBytes` as given, or the default when it is undefined; anything but a positive integer
 * (or `Infinity`, for no limit) is a `ValueError` naming `op`.
 */
export function resolveMaxBytes(op: string, maxBytes: unknown): number {
  if (maxBytes === undefined) return DEFAULT_MAX_BYTES;
  const valid =
    maxBytes === Number.POSITIVE_INFINITY ||
    (typeof maxBytes === "number" && Number.isSafeInteger(maxBytes) && maxBytes > 0);
  if (!valid) {
    throw new ValueError(
      op,
      `maxBytes must be a positive integer number of bytes, or Infinity for no limit; got ${formatValue(maxBytes)}`,
    );
  }
  return maxBytes;
}
