import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  DEFAULT_MAX_BYTES,
  encodeIdx,
  mnistFromBuffers,
  parseIdx,
  parseIdxAsync,
  SizeLimitError,
} from "@tensortape/data";
import { loadMnist, readIdxFile, writeIdxFile } from "@tensortape/data/node";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "tensortape-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllGlobals());

const MiB = 2 ** 20;

/** 64 MiB of zeros in 64 KiB: one gzip member of 1 MiB, repeated (gzip allows many members). */
const member = gzipSync(new Uint8Array(MiB));
const bomb = new Uint8Array(64 * member.length);
for (let i = 0; i < 64; i++) bomb.set(member, i * member.length);

/** A small IDX file (2 × 50 shorts: 12 header bytes and 200 of data), raw and gzipped. */
const values = Array.from({ length: 100 }, (_, i) => i % 7);
const raw = encodeIdx({ type: "short", shape: [2, 50], data: values });
const zipped = gzipSync(raw);

/** The SizeLimitError that `read` rejects with; fails the test on anything else. */
async function limitError(read: () => unknown): Promise<SizeLimitError> {
  let error: unknown;
  try {
    await read();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SizeLimitError);
  return error as SizeLimitError;
}

describe("gzip in the browser-safe entry stops decompressing at maxBytes", () => {
  test("a gzip bomb throws a SizeLimitError naming the file and the limit", async () => {
    const error = await limitError(() => parseIdxAsync(bomb, "bomb.gz", { maxBytes: MiB }));
    expect(error.op).toBe("parseIdxAsync");
    expect(error.file).toBe("bomb.gz");
    expect(error.limit).toBe(MiB);
    expect(error.problem).toBe("gzip data decompresses past the limit");
    expect(error.message).toMatch(
      /^parseIdxAsync: gzip data decompresses past the limit in bomb\.gz; expected at most 1048576 bytes \(maxBytes\), found more than 1048576 bytes/,
    );
    expect(error.message).toMatch(/\nhint: pass a larger maxBytes if the file is trusted$/);
  });

  test("decompression stops soon after the limit instead of inflating everything first", async () => {
    // Count what the real DecompressionStream hands out: 64 MiB are in there.
    const Real = DecompressionStream;
    let produced = 0;
    class Counting {
      readonly writable: WritableStream<Uint8Array>;
      readonly readable: ReadableStream<Uint8Array>;
      constructor(format: "gzip") {
        const inner = new Real(format);
        this.writable = inner.writable;
        this.readable = inner.readable.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              produced += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        );
      }
    }
    vi.stubGlobal("DecompressionStream", Counting);
    await limitError(() => parseIdxAsync(bomb, "bomb.gz", { maxBytes: MiB }));
    expect(produced).toBeGreaterThan(MiB);
    // A few chunks of a few KiB past the limit, not 64 MiB.
    expect(produced).toBeLessThan(2 * MiB);
  });

  test("the default limit is 1 GiB, and reading stops just past it", async () => {
    expect(DEFAULT_MAX_BYTES).toBe(2 ** 30);
    // A stand-in decompressor that never ends, producing 1 MiB (the same buffer) per read.
    const chunk = new Uint8Array(MiB);
    let produced = 0;
    class Endless {
      readonly writable = new WritableStream<Uint8Array>();
      readonly readable = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            produced += chunk.length;
            controller.enqueue(chunk);
          },
        },
        { highWaterMark: 0 },
      );
    }
    vi.stubGlobal("DecompressionStream", Endless);
    const error = await limitError(() => parseIdxAsync(zipped, "endless.gz"));
    expect(error.limit).toBe(2 ** 30);
    expect(produced).toBe(2 ** 30 + MiB);
  });

  test("output of exactly maxBytes is read; one byte less is refused", async () => {
    const array = await parseIdxAsync(zipped, "small.gz", { maxBytes: raw.length });
    expect(Array.from(array.data)).toEqual(values);
    const error = await limitError(() =>
      parseIdxAsync(zipped, "small.gz", { maxBytes: raw.length - 1 }),
    );
    expect(error.limit).toBe(raw.length - 1);
    expect((await parseIdxAsync(zipped, "x", { maxBytes: Infinity })).shape).toEqual([2, 50]);
  });

  test("raw bytes longer than maxBytes are refused too, by parseIdx and parseIdxAsync", async () => {
    expect(parseIdx(raw, "raw", { maxBytes: raw.length }).shape).toEqual([2, 50]);
    const error = await limitError(() => parseIdx(raw, "raw", { maxBytes: raw.length - 1 }));
    expect(error.message).toMatch(
      /^parseIdx: data larger than the limit in raw; expected at most 211 bytes \(maxBytes\), found 212 bytes/,
    );
    await limitError(() => parseIdxAsync(raw, "raw", { maxBytes: 10 }));
  });

  test("mnistFromBuffers holds every file to maxBytes", async () => {
    const images = encodeIdx({ type: "ubyte", shape: [1, 2, 2], data: [0, 1, 2, 3] });
    const labels = encodeIdx({ type: "ubyte", shape: [1], data: [4] });
    const files = {
      trainImages: images,
      trainLabels: labels,
      testImages: images,
      testLabels: labels,
    };
    expect(mnistFromBuffers(files, { maxBytes: images.length }).train.images.shape).toEqual([1, 4]);
    const error = await limitError(() => mnistFromBuffers(files, { maxBytes: images.length - 1 }));
    expect(error.file).toBe("train-images-idx3-ubyte");
  });
});

describe("the Node entry holds files to maxBytes", () => {
  const bombPath = join(dir, "bomb-idx.gz");
  writeFileSync(bombPath, bomb);
  const smallPath = join(dir, "small-idx.gz");
  writeFileSync(smallPath, zipped);
  const rawPath = join(dir, "small-idx");
  writeFileSync(rawPath, raw);

  test("readIdxFile: a gzip bomb throws a SizeLimitError naming the path and the limit", async () => {
    const error = await limitError(() => readIdxFile(bombPath, { maxBytes: MiB }));
    expect(error.op).toBe("readIdxFile");
    expect(error.file).toBe(bombPath);
    expect(error.limit).toBe(MiB);
    expect(error.found).toBe("more than 1048576 bytes");
  });

  test("readIdxFile: exactly maxBytes after decompression is read; one byte less is refused", async () => {
    expect(zipped.length).toBeLessThan(raw.length - 1);
    expect(readIdxFile(smallPath, { maxBytes: raw.length }).shape).toEqual([2, 50]);
    await limitError(() => readIdxFile(smallPath, { maxBytes: raw.length - 1 }));
  });

  test("readIdxFile: a raw file larger than maxBytes is refused before it is read", async () => {
    const error = await limitError(() => readIdxFile(rawPath, { maxBytes: 200 }));
    expect(error.problem).toBe("file larger than the limit");
    expect(error.found).toBe("212 bytes");
    // The file on disk counts too, gzipped or not: this one is larger than 10 bytes.
    expect((await limitError(() => readIdxFile(smallPath, { maxBytes: 10 }))).problem).toBe(
      "file larger than the limit",
    );
  });

  test("loadMnist passes maxBytes to every file, and names the one too large", async () => {
    const folder = mkdtempSync(join(dir, "mnist-"));
    writeIdxFile(join(folder, "train-images-idx3-ubyte.gz"), {
      type: "ubyte",
      shape: [2, 10, 10],
      data: new Array(200).fill(7),
    });
    writeIdxFile(join(folder, "train-labels-idx1-ubyte"), {
      type: "ubyte",
      shape: [2],
      data: [1, 2],
    });
    writeIdxFile(join(folder, "t10k-images-idx3-ubyte"), {
      type: "ubyte",
      shape: [1, 10, 10],
      data: new Array(100).fill(7),
    });
    writeIdxFile(join(folder, "t10k-labels-idx1-ubyte"), { type: "ubyte", shape: [1], data: [3] });
    expect(loadMnist({ dir: folder }).train.images.shape).toEqual([2, 100]);
    // The training images are 16 + 200 bytes once decompressed, well under 1 KiB gzipped.
    const error = await limitError(() => loadMnist({ dir: folder, maxBytes: 200 }));
    expect(error.op).toBe("loadMnist");
    expect(error.file).toBe(join(folder, "train-images-idx3-ubyte.gz"));
    expect(error.limit).toBe(200);
    expect(loadMnist({ dir: folder, maxBytes: 216 }).test.labels.toArray()).toEqual([3]);
  });
});
