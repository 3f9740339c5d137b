/**
 * Property-based tests of the safetensors reader: valid files, mutated at random (bytes
 * flipped, inserted or cut, header text edited, offsets, shapes and dtypes changed), must
 * either read as a slow, independent decoder reads the same bytes or throw a
 * SafetensorsError: never another error, never values from outside the file. The files sit
 * inside a larger buffer between random bytes, so a read past either end shows up as wrong
 * values. Fixed seeds and bounded runs keep this deterministic and fast.
 */
import { tensor } from "@tensortape/core";
import {
  deserializeSafetensors,
  readSafetensorsHeader,
  type SafetensorsContents,
  SafetensorsError,
  serializeSafetensors,
} from "@tensortape/nn";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

const encoder = new TextEncoder();

/** A file from a header (padded to a multiple of 8 with spaces) and data bytes. */
function fileOf(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = encoder.encode(header);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  out.set(data, 8 + padded);
  return out;
}

const bytesOf = (array: ArrayBufferView) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** Valid files to mutate: every readable dtype, odd alignments, metadata, empty tensors. */
const SEEDS: Uint8Array[] = [
  serializeSafetensors(
    {
      w: tensor([
        [0.5, -1, 2],
        [3, 4, 5],
      ]),
      b: tensor([0.25, -8], { dtype: "float64" }),
      n: tensor(7, { dtype: "int32" }),
      m: tensor([1, 0, 1], { dtype: "bool" }),
      e: tensor(new Float32Array(0), { shape: [0, 3] }),
    },
    { format: "pt" },
  ),
  fileOf(
    '{"__metadata__":{"k":"v"},"u":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},' +
      '"h":{"dtype":"F16","shape":[2],"data_offsets":[3,7]},"bf":{"dtype":"BF16","shape":[2],"data_offsets":[7,11]},' +
      '"i":{"dtype":"I16","shape":[1],"data_offsets":[11,13]},"l":{"dtype":"I64","shape":[2],"data_offsets":[13,29]}}',
    new Uint8Array([
      ...[1, 200, 255],
      ...[0x00, 0x3c, 0x01, 0x80], // F16 1, −2⁻²⁴
      ...[0x80, 0x3f, 0xc0, 0x7f], // BF16 1, NaN
      ...[0x38, 0xff], // I16 −200
      ...bytesOf(new BigInt64Array([-3n, 2n ** 31n - 1n])),
    ]),
  ),
  fileOf(
    '{"f8":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]},"g8":["F8_E5M2",[2],[4,6]],' +
      '"s":{"dtype":"I8","shape":[2],"data_offsets":[6,8]},"u2":{"dtype":"U16","shape":[1],"data_offsets":[8,10]},' +
      '"u4":{"dtype":{"U32":null},"shape":[1],"data_offsets":[10,14]},"u8":{"dtype":"U64","shape":[],"data_offsets":[14,22]}}',
    new Uint8Array([
      ...[0x38, 0xb8, 0x7f, 0x01],
      ...[0x3c, 0x7c],
      ...[0x80, 0x7f],
      ...[0xff, 0xff],
      ...[1, 2, 3, 4],
      ...[9, 0, 0, 0, 0, 0, 0, 0],
    ]),
  ),
];

const DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F8_E4M3FNUZ",
  "F8_E5M2FNUZ",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
  "F4",
  "F6_E2M3",
  "C64",
  "f32",
  "F7",
  "",
];
const ITEM_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  F8_E4M3FNUZ: 1,
  F8_E5M2FNUZ: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

// ---- The independent decoder: JSON.parse, a DataView and the formulas, element by element.

type Decoded = { dtype: string; shape: number[]; values: number[] };

function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function byteFloat(dtype: string, b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  switch (dtype) {
    case "F8_E5M2":
      return halfValue(b << 8);
    case "F8_E8M0":
      return b === 0xff ? Number.NaN : 2 ** (b - 127);
    case "F8_E4M3":
      if ((b & 0x7f) === 0x7f) return Number.NaN;
      return (b >> 3) & 15
        ? sign * 2 ** (((b >> 3) & 15) - 7) * (1 + (b & 7) / 8)
        : sign * 2 ** -6 * ((b & 7) / 8);
    case "F8_E4M3FNUZ":
      if (b === 0x80) return Number.NaN;
      return (b >> 3) & 15
        ? sign * 2 ** (((b >> 3) & 15) - 8) * (1 + (b & 7) / 8)
        : sign * 2 ** -7 * ((b & 7) / 8);
    default: // F8_E5M2FNUZ
      if (b === 0x80) return Number.NaN;
      return (b >> 2) & 31
        ? sign * 2 ** (((b >> 2) & 31) - 16) * (1 + (b & 3) / 4)
        : sign * 2 ** -15 * ((b & 3) / 4);
  }
}

function element(dtype: string, view: DataView, i: number): number | bigint {
  switch (dtype) {
    case "BOOL":
      return view.getUint8(i) ? 1 : 0;
    case "U8":
      return view.getUint8(i);
    case "I8":
      return view.getInt8(i);
    case "I16":
      return view.getInt16(2 * i, true);
    case "U16":
      return view.getUint16(2 * i, true);
    case "I32":
      return view.getInt32(4 * i, true);
    case "U32":
      return view.getUint32(4 * i, true);
    case "I64":
      return view.getBigInt64(8 * i, true);
    case "U64":
      return view.getBigUint64(8 * i, true);
    case "F16":
      return halfValue(view.getUint16(2 * i, true));
    case "BF16": {
      const word = new DataView(new ArrayBuffer(4));
      word.setUint16(0, view.getUint16(2 * i, true));
      return word.getFloat32(0);
    }
    case "F32":
      return view.getFloat32(4 * i, true);
    case "F64":
      return view.getFloat64(8 * i, true);
    default:
      return byteFloat(dtype, view.getUint8(i));
  }
}

/**
 * What a valid reading of `file` must hold, by another route: the header through JSON.parse
 * (which the strict parser only ever narrows), each element through a DataView. Returns
 * undefined where the bytes cannot be a file the reader may accept at all.
 */
function independentlyDecoded(
  file: Uint8Array,
): { tensors: Map<string, Decoded>; metadata: Record<string, string> } | undefined {
  if (file.length < 8) return undefined;
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  if (8 + n > file.length) return undefined;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(file.subarray(8, 8 + n)));
  } catch {
    return undefined;
  }
  const data = file.subarray(8 + n);
  const tensors = new Map<string, Decoded>();
  const ranges: [number, number][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = Array.isArray(raw)
      ? { dtype: raw[0], shape: raw[1], data_offsets: raw[2] }
      : (raw as Record<string, unknown>);
    const dtype =
      typeof entry.dtype === "string" ? entry.dtype : Object.keys(entry.dtype as object)[0]!;
    const shape = entry.shape as number[];
    const [begin, end] = entry.data_offsets as [number, number];
    if (!(end <= data.length) || !(begin <= end)) return undefined;
    const count = shape.reduce((a, b) => a * b, 1);
    if (ITEM_BYTES[dtype] === undefined || count * ITEM_BYTES[dtype] !== end - begin) {
      return undefined;
    }
    const view = new DataView(data.buffer, data.byteOffset + begin, end - begin);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(Number(element(dtype, view, i)));
    tensors.set(name, { dtype, shape, values });
    ranges.push([begin, end]);
  }
  // The ranges, in order, must cover the data section exactly: no gap, overlap or tail.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let covered = 0;
  for (const [begin, end] of ranges) {
    if (begin !== covered) return undefined;
    covered = end;
  }
  if (covered !== data.length) return undefined;
  return { tensors, metadata };
}

// ---- The property.

/** Reads `file` from inside a larger buffer whose surrounding bytes are `canary`. */
function readEmbedded(
  file: Uint8Array,
  canary: number,
  asArrayBuffer: boolean,
): SafetensorsContents {
  if (asArrayBuffer) return deserializeSafetensors(file.slice().buffer);
  const padded = new Uint8Array(file.length + 24).fill(canary);
  padded.set(file, 13);
  return deserializeSafetensors(padded.subarray(13, 13 + file.length));
}

/** Either a SafetensorsError, or exactly what the independent decoder reads. */
function checkRead(file: Uint8Array, canary: number, asArrayBuffer = false): void {
  let result: SafetensorsContents;
  try {
    result = readEmbedded(file, canary, asArrayBuffer);
  } catch (error) {
    if (!(error instanceof SafetensorsError)) {
      throw new Error(`expected a SafetensorsError, got ${String(error)}`, { cause: error });
    }
    return;
  }
  // Accepted: the header alone must be accepted too, and the tensors must be what is there.
  const header = readSafetensorsHeader(file);
  const expected = independentlyDecoded(file);
  expect(expected).toBeDefined();
  expect(result.metadata).toEqual(expected!.metadata);
  expect(Object.keys(result.tensors).sort()).toEqual([...expected!.tensors.keys()].sort());
  for (const [name, t] of Object.entries(result.tensors)) {
    const want = expected!.tensors.get(name)!;
    expect(header.tensors[name]!.dtype).toBe(want.dtype);
    expect(t.shape).toEqual(want.shape);
    expect(Array.from(t.data)).toEqual(want.values);
  }
}

const SEED = 20240611;
const RUNS = 250;
const seedFile = fc.constantFrom(...SEEDS);
const canary = fc.integer({ min: 0, max: 255 });

/** Rewrites a file's header length to `header`'s, keeping its data. */
function withHeaderText(file: Uint8Array, header: string, fixLength: boolean): Uint8Array {
  const n = new DataView(file.buffer, file.byteOffset).getUint32(0, true);
  const json = encoder.encode(header);
  const out = new Uint8Array(8 + json.length + file.length - 8 - n);
  out.set(file.subarray(0, 8));
  if (fixLength) new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(file.subarray(8 + n), 8 + json.length);
  return out;
}

const headerText = (file: Uint8Array) =>
  new TextDecoder().decode(
    file.subarray(8, 8 + new DataView(file.buffer, file.byteOffset).getUint32(0, true)),
  );

describe("mutated files read correctly or throw a SafetensorsError", () => {
  test("the unmutated seeds read as the independent decoder reads them", () => {
    for (const file of SEEDS) {
      checkRead(file, 0xab);
      expect(Object.keys(deserializeSafetensors(file).tensors).length).toBeGreaterThan(2);
    }
  });

  test("bytes flipped anywhere, or only in the data", () => {
    fc.assert(
      fc.property(
        seedFile,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        canary,
        fc.boolean(),
        (file, flips, inData, c, asArrayBuffer) => {
          const mutated = file.slice();
          const start = inData
            ? 8 + new DataView(file.buffer, file.byteOffset).getUint32(0, true)
            : 0;
          for (const [at, mask] of flips) mutated[start + (at % (mutated.length - start))]! ^= mask;
          checkRead(mutated, c, asArrayBuffer);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("truncated, extended, or with bytes inserted", () => {
    fc.assert(
      fc.property(
        seedFile,
        fc.nat(),
        fc.uint8Array({ maxLength: 12 }),
        fc.constantFrom("cut", "insert", "append"),
        canary,
        (file, at, bytes, how, c) => {
          const i = at % (file.length + 1);
          const mutated =
            how === "cut"
              ? file.slice(0, i)
              : how === "append"
                ? new Uint8Array([...file, ...bytes])
                : new Uint8Array([...file.subarray(0, i), ...bytes, ...file.subarray(i)]);
          checkRead(mutated, c);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  test("header text edited, with or without its length kept right", () => {
    const tokens = [
      "0",
      "1",
      "8",
      "-0",
      "1.0",
      "8e0",
      "18446744073709551615",
      "18446744073709551616",
      "1e400",
      "[",
      "]",
      "{",
      "}",
      ",",
      ":",
      '"',
      "\\",
      "\\ud800",
      "\\u0041",
      "\\udc00",
      "null",
      "true",
      '"__metadata__"',
      '"dtype"',
      '"shape"',
      '"data_offsets"',
      '"F16"',
      '"I64"',
      '"F4"',
      "[[[[",
      "\uFEFF",
      " ",
      "\u0001",
      "\u{1F600}",
      "é",
    ];
    fc.assert(
      fc.property(
        seedFile,
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.nat({ max: 6 }),
            fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4 })),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.boolean(),
        canary,
        (file, edits, fixLength, c) => {
          let text = headerText(file);
          for (const [at, cut, insert] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          checkRead(withHeaderText(file, text, fixLength), c);
        },
      ),
      { seed: SEED + 2, numRuns: RUNS * 2 },
    );
  });

  test("offsets, shapes and dtypes changed, the header still valid JSON", () => {
    const count = fc.oneof(
      fc.nat({ max: 40 }),
      fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64, -1, 0.5, 1e300),
    );
    fc.assert(
      fc.property(
        seedFile,
        fc.nat(),
        fc.constantFrom("dtype", "shape", "data_offsets", "shift", "swap", "duplicate", "metadata"),
        fc.constantFrom(...DTYPES),
        fc.array(count, { maxLength: 4 }),
        canary,
        (file, which, field, dtype, numbers, c) => {
          const header = JSON.parse(headerText(file)) as Record<string, unknown>;
          const names = Object.keys(header).filter((k) => k !== "__metadata__");
          const name = names[which % names.length]!;
          const raw = header[name];
          const entry = (
            Array.isArray(raw) ? { dtype: raw[0], shape: raw[1], data_offsets: raw[2] } : raw
          ) as Record<string, unknown>;
          if (field === "dtype") entry.dtype = dtype;
          else if (field === "shape") entry.shape = numbers;
          else if (field === "data_offsets") entry.data_offsets = numbers.slice(0, 2 + (which % 2));
          else if (field === "shift") {
            // Moved later, with as many bytes appended: a gap that keeps the total length.
            const [begin, end] = entry.data_offsets as [number, number];
            entry.data_offsets = [begin + 1 + (which % 8), end + 1 + (which % 8)];
          } else if (field === "swap") {
            const other = header[names[(which + 1) % names.length]!] as Record<string, unknown>;
            if (!Array.isArray(other))
              [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
          } else if (field === "metadata")
            header.__metadata__ = which % 3 ? null : { k: numbers[0] ?? "x" };
          header[name] = entry;
          let text = JSON.stringify(header);
          // JSON.stringify writes whole floats as integers; put the ".0" back sometimes.
          if (field === "duplicate")
            text = `{${JSON.stringify(name)}:${JSON.stringify(entry)},${text.slice(1)}`;
          if (which % 5 === 0) text = text.replace(/(\d)([,\]])/, "$1.0$2");
          const mutated = withHeaderText(file, text, true);
          const tail = field === "shift" ? 1 + (which % 8) : 0;
          checkRead(new Uint8Array([...mutated, ...new Uint8Array(tail).fill(c)]), c);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS * 2 },
    );
  });
});
