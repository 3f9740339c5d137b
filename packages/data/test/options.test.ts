import { OptionError, tensor, ValueError } from "@tensortape/core";
import {
  DataLoader,
  encodeIdx,
  mnistFromBuffers,
  oneHot,
  parseIdx,
  parseIdxAsync,
  randomSplit,
  TensorDataset,
} from "@tensortape/data";
import { loadMnist, readIdxFile } from "@tensortape/data/node";
import { describe, expect, test } from "vitest";

/** The error `run` throws (or rejects with); fails the test if there is none. */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but nothing was thrown");
}

/** Checks that `run` throws an OptionError for `key` from `op`, with `suggestion` as its hint. */
async function rejectsKey(
  run: () => unknown,
  op: string,
  key: string,
  suggestion: string | undefined,
) {
  const error = await thrown(run);
  expect(error).toBeInstanceOf(OptionError);
  const { op: errorOp, key: errorKey, suggestion: hint } = error as OptionError;
  expect({ op: errorOp, key: errorKey, suggestion: hint }).toEqual({ op, key, suggestion });
}

const dataset = new TensorDataset(tensor([[1], [2], [3]]), tensor([0, 1, 2], { dtype: "int32" }));
const labelsFile = encodeIdx({ type: "ubyte", shape: [1], data: [3] });
const imagesFile = encodeIdx({ type: "ubyte", shape: [1, 1, 1], data: [9] });
const files = {
  trainImages: imagesFile,
  trainLabels: labelsFile,
  testImages: imagesFile,
  testLabels: labelsFile,
};
type Any = never;

describe("every options object rejects unknown keys, with a did-you-mean hint", () => {
  test("DataLoader", async () => {
    await rejectsKey(
      () => new DataLoader(dataset, { batchsize: 2 } as Any),
      "DataLoader",
      "batchsize",
      "batchSize",
    );
    await rejectsKey(
      () => new DataLoader(dataset, { shufle: true } as Any),
      "DataLoader",
      "shufle",
      "shuffle",
    );
    await rejectsKey(
      () => new DataLoader(dataset, { numWorkers: 4 } as Any),
      "DataLoader",
      "numWorkers",
      undefined,
    );
    expect(() => new DataLoader(dataset, { drop_last: true } as Any)).toThrow(
      'DataLoader: unknown option "drop_last" (valid options: batchSize, shuffle, seed, dropLast)\nhint: did you mean "dropLast"?',
    );
  });

  test("randomSplit and oneHot", async () => {
    await rejectsKey(
      () => randomSplit(dataset, [2, 1], { sed: 1 } as Any),
      "randomSplit",
      "sed",
      "seed",
    );
    await rejectsKey(
      () => oneHot(tensor([1], { dtype: "int32" }), 2, { dtyp: "float64" } as Any),
      "oneHot",
      "dtyp",
      "dtype",
    );
  });

  test("parseIdx, parseIdxAsync and readIdxFile", async () => {
    await rejectsKey(
      () => parseIdx(labelsFile, "f", { maxbytes: 9 } as Any),
      "parseIdx",
      "maxbytes",
      "maxBytes",
    );
    await rejectsKey(
      () => parseIdxAsync(labelsFile, "f", { limit: 9 } as Any),
      "parseIdxAsync",
      "limit",
      undefined,
    );
    await rejectsKey(
      () => readIdxFile("unread", { maxByte: 9 } as Any),
      "readIdxFile",
      "maxByte",
      "maxBytes",
    );
  });

  test("mnistFromBuffers: its options, its buffers, its names and normalize's { mean, std }", async () => {
    await rejectsKey(
      () => mnistFromBuffers(files, { normalise: true } as Any),
      "mnistFromBuffers",
      "normalise",
      "normalize",
    );
    await rejectsKey(
      () => mnistFromBuffers({ ...files, trainImage: imagesFile } as Any),
      "mnistFromBuffers: buffers",
      "trainImage",
      "trainImages",
    );
    await rejectsKey(
      () => mnistFromBuffers(files, {}, { testLabel: "x" } as Any),
      "mnistFromBuffers: names",
      "testLabel",
      "testLabels",
    );
    await rejectsKey(
      () => mnistFromBuffers(files, { normalize: { mean: 0.1, stdev: 0.3 } as Any }),
      "mnistFromBuffers: normalize",
      "stdev",
      "std",
    );
  });

  test("loadMnist", async () => {
    await rejectsKey(
      () => loadMnist({ directory: "." } as Any),
      "loadMnist",
      "directory",
      undefined,
    );
    await rejectsKey(() => loadMnist({ shap: "image" } as Any), "loadMnist", "shap", "shape");
  });
});

describe("option values are checked, with typed errors naming the function", () => {
  test("DataLoader: batchSize a positive integer, shuffle and dropLast booleans, seed an integer", () => {
    const bad: [object, string][] = [
      [{ batchSize: 0 }, "batchSize must be a positive integer; got 0"],
      [{ batchSize: "4" }, 'batchSize must be a positive integer; got "4"'],
      [
        { batchSize: Number.POSITIVE_INFINITY },
        "batchSize must be a positive integer; got Infinity",
      ],
      [{ batchSize: 2 ** 60 }, `batchSize must be a positive integer; got ${2 ** 60}`],
      [{ shuffle: "yes" }, 'shuffle must be true or false; got "yes"'],
      [{ shuffle: 1 }, "shuffle must be true or false; got 1"],
      [{ dropLast: null }, "dropLast must be true or false; got null"],
      [{ seed: Number.NaN }, "seed must be an integer; got NaN"],
      [{ seed: "7" }, 'seed must be an integer; got "7"'],
    ];
    for (const [options, message] of bad) {
      expect(() => new DataLoader(dataset, options as Any)).toThrow(ValueError);
      expect(() => new DataLoader(dataset, options as Any)).toThrow(`DataLoader: ${message}`);
    }
    expect(() => new DataLoader(dataset, [] as Any)).toThrow(ValueError);
  });

  test("DataLoader: epoch, when set, is a non-negative integer", () => {
    const loader = new DataLoader(dataset, { shuffle: true });
    expect(() => {
      loader.epoch = -1;
    }).toThrow("DataLoader: epoch must be a non-negative integer; got -1");
    expect(() => {
      loader.epoch = 0.5;
    }).toThrow(ValueError);
    loader.epoch = 4;
    expect(loader.epoch).toBe(4);
  });

  test("maxBytes: a positive integer or Infinity, everywhere it is taken", async () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN, "1024", null]) {
      const options = { maxBytes } as Any;
      const got = typeof maxBytes === "string" ? `"${maxBytes}"` : String(maxBytes);
      for (const [op, run] of [
        ["parseIdx", () => parseIdx(labelsFile, "f", options)],
        ["parseIdxAsync", () => parseIdxAsync(labelsFile, "f", options)],
        ["readIdxFile", () => readIdxFile("unread", options)],
        ["mnistFromBuffers", () => mnistFromBuffers(files, options)],
        ["loadMnist", () => loadMnist(options)],
      ] as const) {
        const error = await thrown(run);
        expect(error).toBeInstanceOf(ValueError);
        expect((error as ValueError).message).toBe(
          `${op}: maxBytes must be a positive integer number of bytes, or Infinity for no limit; got ${got}`,
        );
      }
    }
  });

  test("mnistFromBuffers and loadMnist: shape, normalize and dir", async () => {
    expect(() => mnistFromBuffers(files, { shape: "square" } as Any)).toThrow(
      'mnistFromBuffers: shape must be "flat" or "image"; got "square"',
    );
    expect(() => mnistFromBuffers(files, { normalize: "yes" } as Any)).toThrow(
      'mnistFromBuffers: normalize must be a boolean or { mean, std }; got "yes"',
    );
    expect(() => mnistFromBuffers(files, { normalize: { mean: 0.5 } } as Any)).toThrow(
      "mnistFromBuffers: normalize needs a finite mean and a positive std; got mean 0.5 and std undefined",
    );
    expect(() => mnistFromBuffers(files, { normalize: { mean: 0, std: -1 } })).toThrow(ValueError);
    expect(() => loadMnist({ normalize: { mean: "0", std: 1 } } as Any)).toThrow(
      'loadMnist: normalize needs a finite mean and a positive std; got mean "0" and std 1',
    );
    expect(() => loadMnist({ dir: 42 } as Any)).toThrow(
      "loadMnist: dir must be a folder's path; got number",
    );
  });

  test("mnistFromBuffers: a missing or mistyped buffer, or name, is named", () => {
    const { testLabels: _, ...three } = files;
    expect(() => mnistFromBuffers(three as Any)).toThrow(ValueError);
    expect(() => mnistFromBuffers(three as Any)).toThrow(
      "mnistFromBuffers: buffers.testLabels must be the bytes (a Uint8Array) of t10k-labels-idx1-ubyte; got undefined",
    );
    expect(() => mnistFromBuffers({ ...files, trainImages: [0, 0, 8, 3] } as Any)).toThrow(
      ValueError,
    );
    expect(() => mnistFromBuffers(files, {}, { trainImages: 3 } as Any)).toThrow(
      "mnistFromBuffers: names.trainImages must be a string; got 3",
    );
  });

  test("parseIdx: bytes must be a Uint8Array and the file name a string", async () => {
    expect(() => parseIdx(labelsFile.buffer as Any)).toThrow(
      "parseIdx: bytes must be a Uint8Array; got ArrayBuffer\nhint: wrap an ArrayBuffer first: new Uint8Array(buffer)",
    );
    expect(() => parseIdx(Array.from(labelsFile) as Any)).toThrow(ValueError);
    expect(() => parseIdx(labelsFile, { maxBytes: 10 } as Any)).toThrow(
      'parseIdx: file must be a string naming the source; got an object\nhint: options come third: parseIdx(bytes, "name", { maxBytes })',
    );
    expect(await thrown(() => parseIdxAsync(new Int8Array(9) as Any))).toBeInstanceOf(ValueError);
    // A Node Buffer is a Uint8Array.
    expect(parseIdx(Buffer.from(labelsFile)).shape).toEqual([1]);
  });

  test("oneHot: dtype one of float32, float64, int32; randomSplit: seed an integer, lengths an array", () => {
    const labels = tensor([1], { dtype: "int32" });
    expect(() => oneHot(labels, 2, { dtype: "bool" } as Any)).toThrow(
      'oneHot: dtype must be "float32", "float64" or "int32"; got "bool"',
    );
    expect(oneHot(labels, 2, { dtype: "int32" }).toArray()).toEqual([[0, 1]]);
    expect(() => randomSplit(dataset, [2, 1], { seed: 2 ** 53 })).toThrow(ValueError);
    expect(() => randomSplit(dataset, 3 as Any)).toThrow(
      "randomSplit: lengths must be an array of counts or fractions; got 3",
    );
  });
});
