import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ValueError } from "@tensortape/core";
import { encodeIdx, IdxFormatError, parseIdxAsync } from "@tensortape/data";
import { loadMnist, readIdxFile, writeIdxFile } from "@tensortape/data/node";
import { afterAll, describe, expect, test } from "vitest";
import { caught } from "./caught.js";

const dir = mkdtempSync(join(tmpdir(), "tensortape-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shorts = { type: "short", shape: [2, 2], data: [1, -2, 300, -400] } as const;

describe("gzip", () => {
  test("readIdxFile reads raw and gzipped files alike, whatever their names", () => {
    writeFileSync(join(dir, "raw-idx"), encodeIdx(shorts));
    writeFileSync(join(dir, "zipped-no-suffix"), gzipSync(encodeIdx(shorts)));
    for (const name of ["raw-idx", "zipped-no-suffix"]) {
      const array = readIdxFile(join(dir, name));
      expect(array.type).toBe("short");
      expect(array.shape).toEqual([2, 2]);
      expect(Array.from(array.data)).toEqual([1, -2, 300, -400]);
    }
  });

  test("writeIdxFile gzips when the path ends in .gz", () => {
    const path = join(dir, "written-idx.gz");
    writeIdxFile(path, shorts);
    const bytes = readFileSync(path);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(Array.from(readIdxFile(path).data)).toEqual([1, -2, 300, -400]);
    writeIdxFile(join(dir, "written-idx"), shorts);
    expect(readFileSync(join(dir, "written-idx"))).toEqual(Buffer.from(encodeIdx(shorts)));
  });

  test("parseIdxAsync decompresses with DecompressionStream", async () => {
    const array = await parseIdxAsync(gzipSync(encodeIdx(shorts)));
    expect(Array.from(array.data)).toEqual([1, -2, 300, -400]);
    const raw = await parseIdxAsync(encodeIdx(shorts));
    expect(raw.shape).toEqual([2, 2]);
  });

  test("truncated gzip data is a typed error naming the file, sync and async", async () => {
    const zipped = gzipSync(encodeIdx(shorts));
    const cut = zipped.subarray(0, zipped.length - 12);
    const path = join(dir, "cut-idx.gz");
    writeFileSync(path, cut);
    expect(() => readIdxFile(path)).toThrow(IdxFormatError);
    expect(() => readIdxFile(path)).toThrow(
      `readIdxFile: corrupt or truncated gzip data in ${path}`,
    );
    const error = await parseIdxAsync(cut, "cut-idx.gz").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as IdxFormatError).file).toBe("cut-idx.gz");
    expect((error as IdxFormatError).expected).toBe("a complete gzip stream");
  });

  test("a malformed file inside valid gzip is named by its path", () => {
    const path = join(dir, "bad-magic.gz");
    writeFileSync(path, gzipSync(Uint8Array.of(1, 2, 3, 4)));
    expect(() => readIdxFile(path)).toThrow(`parseIdx: wrong magic number in ${path}`);
  });
});

describe("loadMnist({ dir }) reads any folder of the four files, raw or gzipped", () => {
  // Three 2×3 images and three labels for training, one of each for testing.
  const fashion = mkdtempSync(join(dir, "fashion-"));
  const trainPixels = [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60];
  writeIdxFile(join(fashion, "train-images-idx3-ubyte.gz"), {
    type: "ubyte",
    shape: [3, 2, 3],
    data: trainPixels,
  });
  writeIdxFile(join(fashion, "train-labels-idx1-ubyte"), {
    type: "ubyte",
    shape: [3],
    data: [9, 0, 3],
  });
  writeIdxFile(join(fashion, "t10k-images-idx3-ubyte"), {
    type: "ubyte",
    shape: [1, 2, 3],
    data: [255, 255, 255, 0, 0, 0],
  });
  writeIdxFile(join(fashion, "t10k-labels-idx1-ubyte.gz"), {
    type: "ubyte",
    shape: [1],
    data: [7],
  });

  test("flat images in [0, 1] and int32 labels", () => {
    const { train, test } = loadMnist({ dir: fashion });
    expect(train.images.shape).toEqual([3, 6]);
    expect(Array.from(train.images.data)).toEqual(trainPixels.map((v) => Math.fround(v / 255)));
    expect(train.labels.toArray()).toEqual([9, 0, 3]);
    expect(test.images.toArray()).toEqual([[1, 1, 1, 0, 0, 0]]);
    expect(test.labels.dtype).toBe("int32");
  });

  test("image shape and a given mean and std", () => {
    const { train, test, normalization } = loadMnist({
      dir: fashion,
      shape: "image",
      normalize: { mean: 0.5, std: 0.25 },
    });
    expect(normalization).toEqual({ mean: 0.5, std: 0.25 });
    expect(train.images.shape).toEqual([3, 2, 3]);
    // (255/255 − 0.5) / 0.25 = 2 and (0 − 0.5) / 0.25 = −2.
    expect(test.images.toArray()).toEqual([
      [
        [2, 2, 2],
        [-2, -2, -2],
      ],
    ]);
  });

  test("bad options are named", () => {
    expect(() => loadMnist({ dir: fashion, normalize: { mean: 0, std: 0 } })).toThrow(ValueError);
    expect(() => loadMnist({ dir: fashion, shape: "square" as "flat" })).toThrow(
      'loadMnist: shape must be "flat" or "image"; got "square"',
    );
  });

  test("a missing file names the folder and both names tried", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    expect(() => loadMnist({ dir: empty })).toThrow(ValueError);
    expect(() => loadMnist({ dir: empty })).toThrow(
      `loadMnist: ${empty} holds neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz`,
    );
  });

  test("labels and images of different counts name the labels file's full path", () => {
    const broken = mkdtempSync(join(dir, "broken-"));
    // Good images, but two training labels for three images.
    writeIdxFile(join(broken, "train-images-idx3-ubyte.gz"), {
      type: "ubyte",
      shape: [3, 2, 3],
      data: trainPixels,
    });
    writeIdxFile(join(broken, "train-labels-idx1-ubyte"), {
      type: "ubyte",
      shape: [2],
      data: [1, 2],
    });
    writeIdxFile(join(broken, "t10k-images-idx3-ubyte"), {
      type: "ubyte",
      shape: [1, 1, 1],
      data: [0],
    });
    writeIdxFile(join(broken, "t10k-labels-idx1-ubyte"), { type: "ubyte", shape: [1], data: [1] });
    const error = caught(() => loadMnist({ dir: broken }));
    expect((error as IdxFormatError).file).toBe(join(broken, "train-labels-idx1-ubyte"));
    expect(error.expected).toBe(
      `3 labels, one per image in ${join(broken, "train-images-idx3-ubyte.gz")}`,
    );
    expect(error.found).toBe("2 labels");
  });
});
