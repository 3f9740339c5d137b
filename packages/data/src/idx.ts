// The IDX format (MNIST, Fashion-MNIST, EMNIST): a 4-byte magic number (two zero bytes, an
// element type code, the number of dimensions), one big-endian uint32 per dimension, then the
// elements in row-major order, big-endian.

import { formatShape, ShapeError, type Tensor, ValueError, zeros } from "@tensortape/core";
import { IdxFormatError } from "./errors.js";
import { gunzipAsync, isGzip } from "./gzip.js";

/** The typed array that holds each IDX element type. */
export interface IdxArrays {
  ubyte: Uint8Array;
  byte: Int8Array;
  short: Int16Array;
  int: Int32Array;
  float: Float32Array;
  double: Float64Array;
}

/** An IDX element type: unsigned byte, signed byte, short, int, float or double. */
export type IdxType = keyof IdxArrays;

/**
 * The contents of an IDX file: its element type, its shape, and its elements in row-major order
 * in the typed array of that type. `parseIdx` returns one; `idxToTensor` makes it a tensor.
 * @example const { type, shape, data } = parseIdx(bytes); // "ubyte", [60000, 28, 28], Uint8Array
 */
export type IdxArray = {
  [T in IdxType]: {
    readonly type: T;
    readonly shape: readonly number[];
    readonly data: IdxArrays[T];
  };
}[IdxType];

/**
 * What `encodeIdx` writes: the element type, named explicitly, a shape, and the elements in
 * row-major order in any array of numbers (a tensor's `.data` will do).
 * @example encodeIdx({ type: "ubyte", shape: [2, 2], data: [0, 64, 128, 255] })
 */
export interface IdxInput {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

interface ElementType {
  readonly code: number;
  readonly bytes: number;
  readonly label: string;
  /** The range of an integer type; undefined for float and double. */
  readonly range?: readonly [number, number];
}

/** The type code (the magic number's third byte) and size of every IDX element type. */
export const IDX_TYPES: Readonly<Record<IdxType, ElementType>> = {
  ubyte: { code: 0x08, bytes: 1, label: "unsigned byte", range: [0, 255] },
  byte: { code: 0x09, bytes: 1, label: "signed byte", range: [-128, 127] },
  short: { code: 0x0b, bytes: 2, label: "short", range: [-32768, 32767] },
  int: { code: 0x0c, bytes: 4, label: "int", range: [-2147483648, 2147483647] },
  float: { code: 0x0d, bytes: 4, label: "float" },
  double: { code: 0x0e, bytes: 8, label: "double" },
};

const TYPE_NAMES = Object.keys(IDX_TYPES) as IdxType[];
const MAX_DIMENSION = 0xffffffff;

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0").toUpperCase()}`;
}

/** `0x08 (unsigned byte)`: how messages name an element type. */
export function describeIdxType(type: IdxType): string {
  return `${hex(IDX_TYPES[type].code)} (${IDX_TYPES[type].label})`;
}

function typeOfCode(code: number): IdxType | undefined {
  return TYPE_NAMES.find((type) => IDX_TYPES[type].code === code);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Reads the bytes of an IDX file. Every element type is supported; the elements are copied into
 * a new typed array, so the result never shares memory with `bytes`. Gzip-compressed bytes are
 * rejected with a hint: decompression is asynchronous in browsers, so use `parseIdxAsync`, or
 * `readIdxFile` from `@tensortape/data/node`, which both decompress.
 * Any malformed file (truncated, wrong magic, unknown type code, a byte count that does not
 * match the dimensions) throws an `IdxFormatError` naming `file`; nothing is read past the end.
 * @param file names the source in error messages.
 * @example
 * const labels = parseIdx(bytes, "train-labels-idx1-ubyte"); // { type: "ubyte", shape: [60000], data }
 */
export function parseIdx(bytes: Uint8Array, file = "<bytes>"): IdxArray {
  const fail = (problem: string, expected: string, found: string, hint?: string) =>
    new IdxFormatError("parseIdx", file, problem, expected, found, hint);
  const n = bytes.length;
  if (isGzip(bytes)) {
    throw fail(
      "gzip-compressed data",
      "raw IDX bytes starting 00 00 <type code> <dimensions>",
      "the gzip magic number 1f 8b",
      "decompress first: parseIdxAsync() does it, and so does readIdxFile() from @tensortape/data/node",
    );
  }
  if (n < 4) {
    throw fail("header ends early", "at least 4 bytes (the magic number)", plural(n, "byte"));
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const first = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw fail("wrong magic number", "00 00 <type code> <dimensions>", first.join(" "));
  }
  const type = typeOfCode(bytes[2]!);
  if (type === undefined) {
    throw fail(
      "unknown element type code",
      `one of ${TYPE_NAMES.map(describeIdxType).join(", ")}`,
      hex(bytes[2]!),
    );
  }
  const rank = bytes[3]!;
  if (rank === 0) throw fail("no dimensions", "at least 1 dimension", "0");
  const headerBytes = 4 + 4 * rank;
  if (n < headerBytes) {
    throw fail(
      "header ends early",
      `${headerBytes} header bytes for ${plural(rank, "dimension")}`,
      plural(n, "byte"),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const { bytes: elementBytes, label } = IDX_TYPES[type];
  // A product of uint32s can exceed 2^53; it is then inexact but still far above n, which is
  // all the comparison below needs.
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * elementBytes;
  const found = n - headerBytes;
  const expected = `${plural(dataBytes, "byte")} of data for shape ${formatShape(shape)} of ${label} (${plural(elementBytes, "byte")} each)`;
  if (found < dataBytes) throw fail("data ends early", expected, plural(found, "byte"));
  if (found > dataBytes) {
    throw fail(
      "more bytes than the dimensions describe",
      expected,
      `${plural(found, "byte")} (${found - dataBytes} too many)`,
    );
  }
  return { type, shape, data: readElements(type, view, headerBytes, count) } as IdxArray;
}

function readElements(
  type: IdxType,
  view: DataView,
  offset: number,
  count: number,
): IdxArrays[IdxType] {
  const start = view.byteOffset + offset;
  switch (type) {
    case "ubyte":
      return new Uint8Array(view.buffer.slice(start, start + count));
    case "byte":
      return new Int8Array(view.buffer.slice(start, start + count));
    case "short": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "double": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Reads the bytes of an IDX file like `parseIdx`, first decompressing them if they are gzipped
 * (with the web-standard `DecompressionStream`, so it works in browsers and in Node).
 * @example const images = await parseIdxAsync(new Uint8Array(await response.arrayBuffer()));
 */
export async function parseIdxAsync(bytes: Uint8Array, file = "<bytes>"): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, file);
  return parseIdx(await gunzipAsync(bytes, file, "parseIdxAsync"), file);
}

/**
 * Writes an IDX file's bytes: the element type is named explicitly, and every value must fit it
 * (an integer in range for the integer types; float rounds to float32). `parseIdx` reads the
 * result back exactly.
 * @example
 * const bytes = encodeIdx({ type: "ubyte", shape: [2], data: [5, 0] });
 * parseIdx(bytes); // { type: "ubyte", shape: [2], data: Uint8Array [5, 0] }
 */
export function encodeIdx(array: IdxInput): Uint8Array {
  const { type, shape, data } = array;
  if (!Object.hasOwn(IDX_TYPES, type)) {
    throw new ValueError(
      "encodeIdx",
      `unknown element type "${String(type)}"`,
      `use one of ${TYPE_NAMES.map((t) => `"${t}"`).join(", ")}`,
    );
  }
  if (shape.length < 1 || shape.length > 255) {
    throw new ShapeError("encodeIdx", "IDX holds 1 to 255 dimensions", { shape });
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_DIMENSION) {
      throw new ShapeError(
        "encodeIdx",
        "dimensions must be integers in [0, 2^32 - 1]",
        { shape },
        `${d} is not`,
      );
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new ShapeError(
      "encodeIdx",
      "data length does not match shape",
      { shape },
      `${data.length} elements for a shape that holds ${count}`,
    );
  }
  const element = IDX_TYPES[type];
  if (element.range) checkIntegers(type, element.range, data);

  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * element.bytes);
  const view = new DataView(out.buffer);
  out[2] = element.code;
  out[3] = shape.length;
  for (let d = 0; d < shape.length; d++) view.setUint32(4 + 4 * d, shape[d]!, false);
  writeElements(type, view, headerBytes, data);
  return out;
}

function checkIntegers(
  type: IdxType,
  [low, high]: readonly [number, number],
  data: ArrayLike<number>,
) {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < low || v > high) {
      throw new ValueError(
        "encodeIdx",
        `value ${v} at flat index ${i} does not fit ${IDX_TYPES[type].label} (integers ${low}..${high})`,
        "pick a wider element type, or round and clamp the data first",
      );
    }
  }
}

function writeElements(type: IdxType, view: DataView, offset: number, data: ArrayLike<number>) {
  const n = data.length;
  switch (type) {
    case "ubyte":
      new Uint8Array(view.buffer, offset, n).set(data);
      return;
    case "byte":
      new Int8Array(view.buffer, offset, n).set(data);
      return;
    case "short":
      for (let i = 0; i < n; i++) view.setInt16(offset + 2 * i, data[i]!, false);
      return;
    case "int":
      for (let i = 0; i < n; i++) view.setInt32(offset + 4 * i, data[i]!, false);
      return;
    case "float":
      for (let i = 0; i < n; i++) view.setFloat32(offset + 4 * i, data[i]!, false);
      return;
    case "double":
      for (let i = 0; i < n; i++) view.setFloat64(offset + 8 * i, data[i]!, false);
      return;
  }
}

/**
 * The IDX array as a tensor of the same shape: the integer types become int32, float becomes
 * float32 and double float64.
 * @example idxToTensor(parseIdx(labelBytes)) // int32 tensor [60000]
 */
export function idxToTensor(array: IdxArray): Tensor {
  const dtype = array.type === "double" ? "float64" : array.type === "float" ? "float32" : "int32";
  const t = zeros(array.shape, { dtype });
  t.data.set(array.data);
  return t;
}
