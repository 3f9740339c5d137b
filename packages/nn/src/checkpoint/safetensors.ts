// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON header padded with spaces to a multiple of 8, then the
// tensors' raw little-endian bytes. Bytes only here (browser-safe); files are in ../node.ts.
import { type DType, formatShape, sizeOf, type Tensor, tensor, ValueError } from "@tensortape/core";
import { SafetensorsError } from "../errors.js";

/** The tensors and free-form string metadata of one safetensors file. */
export interface SafetensorsContents {
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/**
 * Every dtype of the format, in the order of the reference implementation's Dtype enum: files
 * are laid out in descending order of it, then by name.
 */
const FORMAT_DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
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
] as const;
type FormatDType = (typeof FORMAT_DTYPES)[number];

const ITEM_SIZE: Record<FormatDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
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

const WRITTEN: Record<DType, FormatDType> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  bool: "BOOL",
};

/**
 * How each readable dtype becomes a tensor: its own dtype where tensortape has it; half
 * floats widen to float32; small integers, and I64 values that fit, to int32.
 */
const READ_AS: Partial<Record<FormatDType, DType>> = {
  F64: "float64",
  F32: "float32",
  F16: "float32",
  BF16: "float32",
  I64: "int32",
  I32: "int32",
  I16: "int32",
  U16: "int32",
  I8: "int32",
  U8: "int32",
  BOOL: "bool",
};

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Writes a tensor's elements as little-endian bytes. */
function writeData(t: Tensor, out: Uint8Array, offset: number): void {
  const data = t.data;
  if (LITTLE_ENDIAN_HOST || t.dtype === "bool") {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (t.dtype === "float32") view.setFloat32(i * 4, data[i]!, true);
    else if (t.dtype === "float64") view.setFloat64(i * 8, data[i]!, true);
    else view.setInt32(i * 4, data[i]!, true);
  }
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file, byte for byte as the
 * Python library writes it: tensors ordered by descending dtype (F64, F32, I32, BOOL) then by
 * name, compact JSON with `__metadata__` first, the header padded with spaces to a multiple
 * of 8 bytes.
 * @example const bytes = serializeSafetensors(model.stateDict(), { format: "pt" });
 */
export function serializeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const op = "serializeSafetensors";
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new ValueError(op, `metadata values must be strings; "${key}" is a ${typeof value}`);
    }
  }
  const entries = Object.entries(tensors);
  for (const [name] of entries) {
    if (name === "__metadata__") {
      throw new ValueError(op, `"__metadata__" is reserved by the format and cannot name a tensor`);
    }
  }
  const rank = (t: Tensor) => FORMAT_DTYPES.indexOf(WRITTEN[t.dtype]);
  entries.sort(([an, a], [bn, b]) => rank(b) - rank(a) || compareUtf8(an, bn));
  const parts: string[] = [];
  if (Object.keys(metadata).length > 0) {
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    const info = { dtype: WRITTEN[t.dtype], shape: t.shape, data_offsets: [offset, end] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, t] of entries) {
    writeData(t, out, position);
    position += t.data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: FormatDType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks one header entry's fields; returns it typed. */
function readEntry(
  name: string,
  value: unknown,
  fail: (p: string, t?: string) => never,
): HeaderEntry {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("its header entry is not an object", name);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string" || !(FORMAT_DTYPES as readonly string[]).includes(dtype)) {
    fail(
      `unknown dtype ${JSON.stringify(dtype)}; the format's dtypes are ${FORMAT_DTYPES.join(", ")}`,
      name,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`shape must be a list of non-negative integers; got ${JSON.stringify(shape)}`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`data_offsets must be two non-negative integers; got ${JSON.stringify(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  const format = dtype as FormatDType;
  const expected = sizeOf(shape) * ITEM_SIZE[format];
  if (end < begin || end - begin !== expected) {
    fail(
      `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape ${formatShape(shape)} of ${format} needs ${expected}`,
      name,
    );
  }
  return { name, dtype: format, shape, begin, end };
}

/** Decodes one tensor's little-endian bytes into tensortape's dtype for it. */
function decode(
  entry: HeaderEntry,
  bytes: Uint8Array,
  start: number,
  fail: (p: string, t?: string) => never,
): Tensor {
  const dtype = READ_AS[entry.dtype];
  if (!dtype) {
    fail(
      `dtype ${entry.dtype} cannot be read; supported: ${Object.keys(READ_AS).join(", ")}`,
      entry.name,
    );
  }
  const n = sizeOf(entry.shape);
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + start + entry.begin,
    entry.end - entry.begin,
  );
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = readElement(entry, view, i, fail);
  return tensor(values, { shape: entry.shape, dtype });
}

function readElement(
  entry: HeaderEntry,
  view: DataView,
  i: number,
  fail: (p: string, t?: string) => never,
): number {
  switch (entry.dtype) {
    case "F64":
      return view.getFloat64(i * 8, true);
    case "F32":
      return view.getFloat32(i * 4, true);
    case "F16":
      return halfToNumber(view.getUint16(i * 2, true));
    case "BF16": {
      const word = new DataView(new ArrayBuffer(4));
      word.setUint32(0, view.getUint16(i * 2, true) << 16);
      return word.getFloat32(0);
    }
    case "I64": {
      const value = view.getBigInt64(i * 8, true);
      if (value < -2147483648n || value > 2147483647n) {
        fail(
          `I64 value ${value} at flat index ${i} does not fit in int32, tensortape's integer dtype`,
          entry.name,
        );
      }
      return Number(value);
    }
    case "I32":
      return view.getInt32(i * 4, true);
    case "I16":
      return view.getInt16(i * 2, true);
    case "U16":
      return view.getUint16(i * 2, true);
    case "I8":
      return view.getInt8(i);
    case "U8":
      return view.getUint8(i);
    case "BOOL":
      return view.getUint8(i) === 0 ? 0 : 1;
    default:
      return fail(`dtype ${entry.dtype} cannot be read`, entry.name);
  }
}

/** IEEE 754 half precision to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Options of `deserializeSafetensors`. */
export interface DeserializeOptions {
  /** Names the file in error messages. */
  readonly source?: string;
}

/**
 * Decodes a safetensors file, checking all of it before returning anything: the header length
 * lies within the file, the header is UTF-8 JSON, every dtype is known, every shape matches
 * its byte length, and the offsets tile the data section exactly (no gaps, no overlaps, no
 * truncation). Anything wrong throws a `SafetensorsError` saying what and where. F16 and BF16
 * are read as float32; I64 (when every value fits), I16, U16, I8 and U8 as int32.
 * @example const { tensors, metadata } = deserializeSafetensors(bytes);
 */
export function deserializeSafetensors(
  bytes: Uint8Array | ArrayBuffer,
  options: DeserializeOptions = {},
): SafetensorsContents {
  const op = "deserializeSafetensors";
  const fail = (problem: string, name?: string): never => {
    throw new SafetensorsError(op, problem, options.source, name);
  };
  const buffer = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buffer.length < 8) {
    fail(`the file is ${buffer.length} bytes, too short for the 8-byte header length (truncated?)`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER) {
    fail(
      `the header length ${headerLength} exceeds the format's limit of ${MAX_HEADER} bytes (not a safetensors file?)`,
    );
  }
  if (8 + headerLength > buffer.length) {
    fail(
      `the header length ${headerLength} runs past the end of the ${buffer.length}-byte file (truncated?)`,
    );
  }
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(8, 8 + headerLength));
  } catch {
    fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("the header must be a JSON object");
  }
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name !== "__metadata__") {
      entries.push(readEntry(name, value, fail));
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail("__metadata__ must be an object of strings");
    }
    for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
      if (typeof text !== "string") fail(`__metadata__ value "${key}" is not a string`);
      define(metadata, key, text as string);
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) {
      fail(
        e.begin > expected
          ? `data_offsets start at ${e.begin}, leaving a gap after byte ${expected}`
          : `data_offsets start at ${e.begin}, overlapping the tensor before (which ends at ${expected})`,
        e.name,
      );
    }
    expected = e.end;
  }
  const dataLength = buffer.length - 8 - headerLength;
  if (expected !== dataLength) {
    fail(
      expected > dataLength
        ? `the header describes ${expected} bytes of data but the file holds ${dataLength} (truncated?)`
        : `the file has ${dataLength - expected} bytes after the last tensor`,
    );
  }
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) define(tensors, e.name, decode(e, buffer, 8 + headerLength, fail));
  return { tensors, metadata };
}

/** Sets an own property even for a name such as "__proto__", which plain assignment would not. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
