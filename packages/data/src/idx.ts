// The IDX format (MNIST, Fashion-MNIST, EMNIST): a 4-byte magic number (two zero bytes, an
// element type code, the number of dimensions), one big-endian uint32 per dimension, then the
// elements in row-major order, big-endian.

import {
  checkOptions,
  formatShape,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { IdxFormatError, SizeLimitError } from "./errors.js";
import { formatValue } from "./format-value.js";
import { gunzipAsync, isGzip } from "./gzip.js";
import { resolveMaxBytes } from "./max-bytes.js";

/** The typed array that holds each IDX element type. */
export interface IdxArrays {
  /** Type code 0x08. */
  ubyte: Uint8Array;
  /** Type code 0x09. */
  byte: Int8Array;
  /** Type code 0x0B, big-endian on disk. */
  short: Int16Array;
  /** Type code 0x0C, big-endian on disk. */
  int: Int32Array;
  /** Type code 0x0D, big-endian on disk. */
  float: Float32Array;
  /** Type code 0x0E, big-endian on disk. */
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
    /** The element type. */
    readonly type: T;
    /** The dimensions, outermost first. */
    readonly shape: readonly number[];
    /** The elements in row-major order. */
    readonly data: IdxArrays[T];
  };
}[IdxType];

/**
 * What `encodeIdx` writes: the element type, named explicitly, a shape, and the elements in
 * row-major order in any array of numbers (a tensor's `.data` will do).
 * @example encodeIdx({ type: "ubyte", shape: [2, 2], data: [0, 64, 128, 255] })
 */
export interface IdxInput {
  /** The element type to write. */
  readonly type: IdxType;
  /** The dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The elements in row-major order; each must fit `type`. */
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
/** Tensors index their elements with int32 (argmax, gather), so no dimension passes 2^31 - 1. */
const MAX_TENSOR_DIMENSION = 0x7fffffff;

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

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? "" : "s"}`;
}

/** Options of `parseIdx` and `parseIdxAsync` (and of `readIdxFile`). */
export interface ParseIdxOptions {
  /**
   * The most bytes the file may hold, after decompression (default `DEFAULT_MAX_BYTES`, 1 GiB;
   * `Infinity` for no limit). Larger data throws a `SizeLimitError`; gzip stops decompressing
   * as soon as its output passes the limit.
   */
  readonly maxBytes?: number;
}

const PARSE_OPTIONS = ["maxBytes"] as const;

/**
 * Reads the bytes of an IDX file. Every element type is supported; the elements are copied into
 * a new typed array, so the result never shares memory with `bytes`. Gzip-compressed bytes are
 * rejected with a hint: decompression is asynchronous in browsers, so use `parseIdxAsync`, or
 * `readIdxFile` from `@tensortape/data/node`, which both decompress.
 * Any malformed file (truncated, wrong magic, unknown type code, a byte count that does not
 * match the dimensions) throws an `IdxFormatError` naming `file`; nothing is read past the end,
 * and nothing is allocated beyond what the file holds. Bytes longer than `maxBytes` throw a
 * `SizeLimitError`.
 * @param file names the source in error messages.
 * @example
 * const labels = parseIdx(bytes, "train-labels-idx1-ubyte"); // { type: "ubyte", shape: [60000], data }
 */
export function parseIdx(
  bytes: Uint8Array,
  file = "<bytes>",
  options: ParseIdxOptions = {},
): IdxArray {
  const maxBytes = checkParseArguments("parseIdx", bytes, file, options);
  return parseRaw(bytes, file, maxBytes);
}

/** Checks what every IDX reader takes and returns the `maxBytes` in force. */
function checkParseArguments(
  op: string,
  bytes: unknown,
  file: unknown,
  options: ParseIdxOptions,
): number {
  // Buffer is a Uint8Array too; the tag, unlike instanceof, also holds across realms.
  if (Object.prototype.toString.call(bytes) !== "[object Uint8Array]") {
    throw new ValueError(
      op,
      `bytes must be a Uint8Array; got ${describeValue(bytes)}`,
      "wrap an ArrayBuffer first: new Uint8Array(buffer)",
    );
  }
  if (typeof file !== "string") {
    throw new ValueError(
      op,
      `file must be a string naming the source; got ${describeValue(file)}`,
      `options come third: ${op}(bytes, "name", { maxBytes })`,
    );
  }
  checkOptions(op, options, PARSE_OPTIONS);
  return resolveMaxBytes(op, options.maxBytes);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.constructor.name;
  return typeof value === "object" ? "an object" : formatValue(value);
}

function parseRaw(bytes: Uint8Array, file: string, maxBytes: number): IdxArray {
  const fail = (problem: string, expected: string, found: string, hint?: string) =>
    new IdxFormatError("parseIdx", file, problem, expected, found, hint);
  const n = bytes.length;
  if (n > maxBytes) {
    throw new SizeLimitError(
      "parseIdx",
      file,
      "data larger than the limit",
      maxBytes,
      plural(n, "byte"),
    );
  }
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
  const found = n - headerBytes;
  // Counted only as far as the file could hold: a header may claim far more (33 dimensions of
  // 2^32 - 1 make a product no double holds exactly), and the count must stay exact.
  const count = countUpTo(shape, Math.floor(found / elementBytes));
  const expected = () =>
    `${plural(exactCount(shape) * BigInt(elementBytes), "byte")} of data for shape ${formatShape(shape)} of ${label} (${plural(elementBytes, "byte")} each)`;
  if (count === undefined) throw fail("data ends early", expected(), plural(found, "byte"));
  const dataBytes = count * elementBytes;
  if (found > dataBytes) {
    throw fail(
      "more bytes than the dimensions describe",
      expected(),
      `${plural(found, "byte")} (${found - dataBytes} too many)`,
    );
  }
  return { type, shape, data: readElements(type, view, headerBytes, count) } as IdxArray;
}

/**
 * The number of elements of `shape` if it is at most `limit`, else undefined. Exact: the
 * product stops as soon as it passes `limit` (a safe integer), so it never leaves the integers
 * a double holds exactly; a zero dimension anywhere makes the count 0, whatever precedes it.
 */
function countUpTo(shape: readonly number[], limit: number): number | undefined {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > limit) return undefined;
  }
  return count;
}

/** The exact number of elements of `shape`, however large, for messages. */
function exactCount(shape: readonly number[]): bigint {
  let count = 1n;
  for (const d of shape) count *= BigInt(d);
  return count;
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
 * Decompression stops with a `SizeLimitError` as soon as its output passes `maxBytes`.
 * @example const images = await parseIdxAsync(new Uint8Array(await response.arrayBuffer()));
 */
export async function parseIdxAsync(
  bytes: Uint8Array,
  file = "<bytes>",
  options: ParseIdxOptions = {},
): Promise<IdxArray> {
  const maxBytes = checkParseArguments("parseIdxAsync", bytes, file, options);
  if (!isGzip(bytes)) return parseRaw(bytes, file, maxBytes);
  return parseRaw(await gunzipAsync(bytes, file, "parseIdxAsync", maxBytes), file, maxBytes);
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
  // data.length is the most elements there can be, so counting stops there and stays exact.
  const count = countUpTo(shape, data.length);
  if (count === undefined || data.length !== count) {
    throw new ShapeError(
      "encodeIdx",
      "data length does not match shape",
      { shape },
      `${data.length} elements for a shape that holds ${exactCount(shape)}`,
    );
  }
  const element = IDX_TYPES[type];
  if (element.range) checkIntegers(type, element.range, data);
  else if (!ArrayBuffer.isView(data)) checkNumbers(type, data);

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

/** Float and double take any number (NaN and infinities too), but nothing else: "1.5" is no number. */
function checkNumbers(type: IdxType, data: ArrayLike<number>) {
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== "number") {
      throw new ValueError(
        "encodeIdx",
        `value ${formatValue(v)} at flat index ${i} is not a number, as ${IDX_TYPES[type].label} needs`,
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
 * float32 and double float64. An array whose data does not fill its shape, or a shape larger
 * than a tensor may be (IDX dimensions go up to 2^32 - 1, which a zero dimension elsewhere makes
 * a valid, empty file), throws a `ShapeError` naming `idxToTensor`.
 * @example idxToTensor(parseIdx(labelBytes)) // int32 tensor [60000]
 */
export function idxToTensor(array: IdxArray): Tensor {
  const { type, shape, data } = array;
  if (!Object.hasOwn(IDX_TYPES, type)) {
    throw new ValueError("idxToTensor", `unknown element type "${String(type)}"`);
  }
  const count = countUpTo(shape, data.length);
  if (count === undefined || count !== data.length) {
    throw new ShapeError(
      "idxToTensor",
      "data length does not match shape",
      { shape },
      `${data.length} elements for a shape that holds ${exactCount(shape)}`,
    );
  }
  const tooLarge = shape.find((d) => d > MAX_TENSOR_DIMENSION);
  if (tooLarge !== undefined) {
    throw new ShapeError(
      "idxToTensor",
      "dimension too large for a tensor",
      { shape },
      `${tooLarge} is more than ${MAX_TENSOR_DIMENSION}, the most a tensor's int32 indices reach`,
    );
  }
  const dtype = type === "double" ? "float64" : type === "float" ? "float32" : "int32";
  let t: Tensor;
  try {
    t = zeros(shape, { dtype });
  } catch (error) {
    // The tensor's own limits (core decides them), named after this function.
    if (error instanceof ShapeError) {
      throw new ShapeError("idxToTensor", error.problem, { shape }, error.detail, error.hint);
    }
    throw error;
  }
  t.data.set(data);
  return t;
}
