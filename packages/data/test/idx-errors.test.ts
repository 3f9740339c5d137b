import { isGzip, mnistFromBuffers, parseIdx } from "@tensortape/data";
import { describe, expect, test } from "vitest";
import { caught } from "./caught.js";

const FILE = "train-images-idx3-ubyte";

describe("parseIdx rejects malformed files with a typed error naming the file", () => {
  test("an empty file", () => {
    const error = caught(() => parseIdx(new Uint8Array(0), FILE));
    expect(error.file).toBe(FILE);
    expect(error.op).toBe("parseIdx");
    expect(error.expected).toBe("at least 4 bytes (the magic number)");
    expect(error.found).toBe("0 bytes");
    expect(error.message).toBe(
      "parseIdx: header ends early in train-images-idx3-ubyte; expected at least 4 bytes (the magic number), found 0 bytes",
    );
  });

  test("a file cut inside the magic number", () => {
    const error = caught(() => parseIdx(Uint8Array.of(0, 0, 8), FILE));
    expect(error.problem).toBe("header ends early");
    expect(error.found).toBe("3 bytes");
  });

  test("a wrong magic number (a zip file)", () => {
    const error = caught(() => parseIdx(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0), FILE));
    expect(error.problem).toBe("wrong magic number");
    expect(error.expected).toBe("00 00 <type code> <dimensions>");
    expect(error.found).toBe("50 4b 03 04");
  });

  test("a nonzero second byte", () => {
    const error = caught(() => parseIdx(Uint8Array.of(0, 1, 8, 1, 0, 0, 0, 0), FILE));
    expect(error.found).toBe("00 01 08 01");
  });

  test("unknown type codes", () => {
    for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
      const error = caught(() => parseIdx(Uint8Array.of(0, 0, code, 1, 0, 0, 0, 0), FILE));
      expect(error.problem).toBe("unknown element type code");
      expect(error.found).toBe(`0x${code.toString(16).padStart(2, "0").toUpperCase()}`);
      expect(error.expected).toBe(
        "one of 0x08 (unsigned byte), 0x09 (signed byte), 0x0B (short), 0x0C (int), 0x0D (float), 0x0E (double)",
      );
    }
  });

  test("no dimensions", () => {
    const error = caught(() => parseIdx(Uint8Array.of(0, 0, 8, 0, 42), FILE));
    expect(error.problem).toBe("no dimensions");
    expect(error.found).toBe("0");
  });

  test("a header cut inside its dimensions", () => {
    // Three dimensions need 4 + 3·4 = 16 header bytes; only 10 are here.
    const error = caught(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2, 0, 0), FILE));
    expect(error.problem).toBe("header ends early");
    expect(error.expected).toBe("16 header bytes for 3 dimensions");
    expect(error.found).toBe("10 bytes");
  });

  test("truncated data", () => {
    // Shape [2, 3] of shorts needs 12 bytes of data; 5 are here.
    const bytes = Uint8Array.of(0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5);
    const error = caught(() => parseIdx(bytes, FILE));
    expect(error.problem).toBe("data ends early");
    expect(error.expected).toBe("12 bytes of data for shape [2, 3] of short (2 bytes each)");
    expect(error.found).toBe("5 bytes");
  });

  test("more bytes than the dimensions describe", () => {
    const bytes = Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3);
    const error = caught(() => parseIdx(bytes, FILE));
    expect(error.problem).toBe("more bytes than the dimensions describe");
    expect(error.expected).toBe("2 bytes of data for shape [2] of unsigned byte (1 byte each)");
    expect(error.found).toBe("3 bytes (1 too many)");
  });

  test("huge dimensions are compared, not allocated", () => {
    // [2^32 - 1, 2^32 - 1] doubles: far more than any file.
    const bytes = Uint8Array.of(0, 0, 0x0e, 2, 255, 255, 255, 255, 255, 255, 255, 255, 0);
    expect(caught(() => parseIdx(bytes, FILE)).problem).toBe("data ends early");
  });

  test("never reads past the end of the view it was given", () => {
    // A valid file lies in the buffer, but the view stops one byte short of its end.
    const whole = Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 2, 3, 4);
    expect(() => parseIdx(whole)).not.toThrow();
    const error = caught(() => parseIdx(whole.subarray(0, whole.length - 1), FILE));
    expect(error.problem).toBe("data ends early");
    expect(error.found).toBe("3 bytes");
  });

  test("gzip bytes get a hint to decompress", () => {
    const gzip = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3);
    expect(isGzip(gzip)).toBe(true);
    const error = caught(() => parseIdx(gzip, `${FILE}.gz`));
    expect(error.problem).toBe("gzip-compressed data");
    expect(error.file).toBe(`${FILE}.gz`);
    expect(error.hint).toBe(
      "decompress first: parseIdxAsync() does it, and so does readIdxFile() from @tensortape/data/node",
    );
    expect(error.message).toMatch(/\nhint: decompress first/);
  });

  test("without a file name, the source is called <bytes>", () => {
    expect(caught(() => parseIdx(new Uint8Array(1))).file).toBe("<bytes>");
  });
});

describe("mnistFromBuffers checks that the four files fit together", () => {
  // Two 2×2 images (unsigned bytes) and their labels, byte by byte.
  const images = Uint8Array.of(
    0,
    0,
    8,
    3,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    2,
    0,
    255,
    51,
    102,
    1,
    2,
    3,
    4,
  );
  const labels = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 5, 0);
  const files = {
    trainImages: images,
    trainLabels: labels,
    testImages: images,
    testLabels: labels,
  };

  test("well-formed files load", () => {
    const { train } = mnistFromBuffers(files);
    expect(train.images.shape).toEqual([2, 4]);
    expect(train.labels.toArray()).toEqual([5, 0]);
  });

  test("labels and images of different counts", () => {
    const threeLabels = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 4);
    const error = caught(() => mnistFromBuffers({ ...files, testLabels: threeLabels }));
    expect(error.file).toBe("t10k-labels-idx1-ubyte");
    expect(error.problem).toBe("labels and images differ in count");
    expect(error.expected).toBe("2 labels, one per image in t10k-images-idx3-ubyte");
    expect(error.found).toBe("3 labels");
  });

  test("the caller's file names are used in errors", () => {
    const error = caught(() =>
      mnistFromBuffers(
        { ...files, trainLabels: Uint8Array.of(1) },
        {},
        { trainLabels: "/data/labels.gz" },
      ),
    );
    expect(error.file).toBe("/data/labels.gz");
  });

  test("images of the wrong element type or rank", () => {
    const floats = Uint8Array.of(
      0,
      0,
      0x0d,
      3,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      1,
      0x3f,
      0x80,
      0,
      0,
    );
    const wrongType = caught(() => mnistFromBuffers({ ...files, trainImages: floats }));
    expect(wrongType.file).toBe("train-images-idx3-ubyte");
    expect(wrongType.expected).toBe("0x08 (unsigned byte)");
    expect(wrongType.found).toBe("0x0D (float)");
    const wrongRank = caught(() => mnistFromBuffers({ ...files, trainImages: labels }));
    expect(wrongRank.expected).toBe("3 dimensions [N, height, width]");
    expect(wrongRank.found).toBe("shape [2]");
    const labelsAsImages = caught(() => mnistFromBuffers({ ...files, testLabels: images }));
    expect(labelsAsImages.expected).toBe("1 dimension [N]");
  });
});
