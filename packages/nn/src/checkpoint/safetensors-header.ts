// A safetensors file's header, read and checked exactly as the reference implementation
// (huggingface/safetensors 0.8, Rust) reads it: the same files accepted and refused. Its
// serde-derived schema has quirks a hand-written one would not, kept here on purpose so a file
// Python refuses is refused here too, and one Python reads is read here too: a tensor's entry
// may be a three-item array, a dtype may be written `{"F32": null}`, a repeated tensor name
// keeps its last entry, unknown keys in an entry are ignored, and `"__metadata__": null`
// means no metadata.
import { formatShape } from "@tensortape/core";
import { SafetensorsError } from "../errors.js";
import { type JsonValue, parseHeaderJson } from "./header-json.js";

/**
 * Every dtype of the format, in the order of the reference implementation's Dtype enum: files
 * are laid out in descending order of it, then by name.
 */
export const FORMAT_DTYPES = [
  "BOOL",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
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
  "C64",
  "F64",
  "I64",
  "U64",
] as const;

/** A dtype named in a safetensors header. */
export type SafetensorsDType = (typeof FORMAT_DTYPES)[number];

/** Bits per element; F4 and F6 pack several elements into a byte. */
export const BIT_SIZE: Record<SafetensorsDType, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** The element type, in safetensors' spelling ("F32", "I64"...). */
  readonly dtype: SafetensorsDType;
  /** The tensor's dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Byte offsets `[begin, end)` within the data section, which follows the header. */
  readonly dataOffsets: readonly [number, number];
}

/** What a safetensors header says, without the tensors' data. */
export interface SafetensorsHeader {
  /** By name, in the order of their data. */
  readonly tensors: Record<string, SafetensorsTensorInfo>;
  /** The header's `__metadata__`: string keys to string values (empty when absent). */
  readonly metadata: Record<string, string>;
  /** Where the data section starts in the file: 8 + the header's length. */
  readonly dataStart: number;
}

/** Options of `readSafetensorsHeader` and `deserializeSafetensors`. */
export interface DeserializeOptions {
  /** Names the file in error messages. */
  readonly source?: string;
}

/** The reference implementation refuses headers above 100 MB. */
export const MAX_HEADER = 100_000_000;

const U64_MAX = 2n ** 64n - 1n;

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly bigint[];
  readonly begin: bigint;
  readonly end: bigint;
}

type Fail = (problem: string, tensor?: string) => never;

/**
 * Reads and checks a safetensors file's header against its length, as the reference
 * implementation does, without decoding any tensor: the header length lies within the file,
 * the header is UTF-8 JSON (no byte-order mark) of the format's schema, and the tensors' byte
 * ranges, in offset order, tile the data section exactly with each range the size its dtype
 * and shape need. Anything wrong throws a `SafetensorsError` saying what and where.
 * @example const { tensors } = readSafetensorsHeader(bytes); // { w: { dtype: "F32", shape: [2], dataOffsets: [0, 8] } }
 */
export function readSafetensorsHeader(
  bytes: Uint8Array | ArrayBuffer,
  options: DeserializeOptions = {},
): SafetensorsHeader {
  const op = "readSafetensorsHeader";
  const fail: Fail = (problem, tensor) => {
    throw new SafetensorsError(op, problem, options.source, tensor);
  };
  return readHeader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), fail);
}

/** `readSafetensorsHeader`, with the caller's error reporting. */
export function readHeader(buffer: Uint8Array, fail: Fail): SafetensorsHeader {
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
    // ignoreBOM keeps a byte-order mark in the text, where the JSON parser refuses it as
    // the reference does; by default TextDecoder would drop it silently.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      buffer.subarray(8, 8 + headerLength),
    );
  } catch {
    fail("the header is not valid UTF-8");
  }
  const json = parseHeaderJson(text, (problem) => fail(`the header is not valid JSON: ${problem}`));
  if (json.kind !== "object") fail(`the header must be a JSON object; got ${describe(json)}`);

  let metadata: Record<string, string> | undefined;
  const byName = new Map<string, Entry>();
  for (const [name, value] of json.entries) {
    if (name === "__metadata__") {
      if (metadata) fail("__metadata__ appears twice in the header");
      metadata = readMetadata(value, fail);
    } else {
      // A repeated name keeps its last entry (a map insert), but every entry must be valid.
      byName.delete(name);
      byName.set(name, readEntry(name, value, fail));
    }
  }
  // Stable, as Rust's sort_by_key is: equal ranges keep their order in the header.
  const entries = [...byName.values()].sort((a, b) =>
    a.begin !== b.begin ? (a.begin < b.begin ? -1 : 1) : a.end < b.end ? -1 : a.end > b.end ? 1 : 0,
  );
  const dataLength = BigInt(buffer.length - 8 - headerLength);
  let expected = 0n;
  for (const e of entries) {
    if (e.begin !== expected) {
      fail(
        e.begin > expected
          ? `data_offsets start at ${e.begin}, leaving a gap after byte ${expected}`
          : `data_offsets start at ${e.begin}, overlapping the tensor before (which ends at ${expected})`,
        e.name,
      );
    }
    if (e.end < e.begin) fail(`data_offsets [${e.begin}, ${e.end}] end before they begin`, e.name);
    expected = e.end;
    let elements = 1n;
    for (const d of e.shape) {
      elements *= d;
      if (elements > U64_MAX)
        fail(`shape ${formatBig(e.shape)} has more than 2^64 elements`, e.name);
    }
    const bits = elements * BigInt(BIT_SIZE[e.dtype]);
    if (bits > U64_MAX)
      fail(`shape ${formatBig(e.shape)} of ${e.dtype} needs more than 2^64 bits`, e.name);
    if (bits % 8n !== 0n) {
      fail(
        `shape ${formatBig(e.shape)} of ${e.dtype} is ${bits} bits, not a whole number of bytes`,
        e.name,
      );
    }
    if (e.end - e.begin !== bits / 8n) {
      fail(
        `data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin} bytes, but shape ${formatBig(e.shape)} of ${e.dtype} needs ${bits / 8n}`,
        e.name,
      );
    }
  }
  if (expected !== dataLength) {
    fail(
      expected > dataLength
        ? `the header describes ${expected} bytes of data but the file holds ${dataLength} (truncated?)`
        : `the file has ${dataLength - expected} bytes after the last tensor`,
    );
  }

  const tensors: Record<string, SafetensorsTensorInfo> = {};
  for (const e of entries) {
    const shape = e.shape.map((d) => {
      // Only a tensor with no elements can have such a dimension (its bytes lie in the file).
      if (d > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail(
          `dimension ${d} of shape ${formatBig(e.shape)} is above 2^53 - 1, the largest a shape can hold exactly`,
          e.name,
        );
      }
      return Number(d);
    });
    define(tensors, e.name, {
      dtype: e.dtype,
      shape,
      dataOffsets: [Number(e.begin), Number(e.end)] as const,
    });
  }
  return { tensors, metadata: metadata ?? {}, dataStart: 8 + headerLength };
}

function readMetadata(value: JsonValue, fail: Fail): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value.kind === "null") return metadata;
  if (value.kind !== "object")
    fail(`__metadata__ must be an object of strings or null; got ${describe(value)}`);
  for (const [key, text] of value.entries) {
    if (text.kind !== "string") {
      fail(`__metadata__ value ${JSON.stringify(key)} must be a string; got ${describe(text)}`);
    }
    define(metadata, key, text.value);
  }
  return metadata;
}

const FIELDS = ["dtype", "shape", "data_offsets"] as const;

/** Checks one tensor's entry: an object with the three fields, or an array of them in order. */
function readEntry(name: string, value: JsonValue, fail: Fail): Entry {
  const fields: Partial<Record<(typeof FIELDS)[number], JsonValue>> = {};
  if (value.kind === "object") {
    for (const [key, field] of value.entries) {
      if (!(FIELDS as readonly string[]).includes(key)) continue;
      const k = key as (typeof FIELDS)[number];
      if (fields[k]) fail(`its header entry has "${key}" twice`, name);
      fields[k] = field;
    }
    for (const k of FIELDS) if (!fields[k]) fail(`its header entry has no "${k}"`, name);
  } else if (value.kind === "array") {
    if (value.items.length !== 3) {
      fail(
        `its header entry is an array of ${value.items.length} items; an entry as an array needs 3 (dtype, shape, data_offsets)`,
        name,
      );
    }
    [fields.dtype, fields.shape, fields.data_offsets] = value.items;
  } else {
    fail(
      `its header entry must be an object with dtype, shape and data_offsets; got ${describe(value)}`,
      name,
    );
  }
  const dtype = readDType(fields.dtype!, name, fail);
  const shapeValue = fields.shape!;
  if (shapeValue.kind !== "array")
    fail(`shape must be a list of non-negative integers; got ${describe(shapeValue)}`, name);
  const shape = shapeValue.items.map((d) => readCount(d, "shape", name, fail));
  const offsets = fields.data_offsets!;
  if (offsets.kind !== "array" || offsets.items.length !== 2) {
    fail(`data_offsets must be two non-negative integers; got ${describe(offsets)}`, name);
  }
  const [begin, end] = offsets.items.map((d) => readCount(d, "data_offsets", name, fail));
  return { name, dtype, shape, begin: begin!, end: end! };
}

function readDType(value: JsonValue, name: string, fail: Fail): SafetensorsDType {
  let written: string | undefined;
  if (value.kind === "string") written = value.value;
  // serde reads an enum's unit variant also from a one-entry object whose value is null.
  else if (
    value.kind === "object" &&
    value.entries.length === 1 &&
    value.entries[0]![1].kind === "null"
  ) {
    written = value.entries[0]![0];
  }
  if (written === undefined || !(FORMAT_DTYPES as readonly string[]).includes(written)) {
    fail(
      `unknown dtype ${written === undefined ? describe(value) : JSON.stringify(written)}; the format's dtypes are ${FORMAT_DTYPES.join(", ")}`,
      name,
    );
  }
  return written as SafetensorsDType;
}

/** A usize: a non-negative integer literal below 2^64 (`8.0`, `8e0` and `-0` are not). */
function readCount(value: JsonValue, field: string, name: string, fail: Fail): bigint {
  if (value.kind !== "number" || value.unsigned === undefined) {
    fail(
      `${field} must hold non-negative integers below 2^64 written without a fraction or exponent; got ${describe(value)}`,
      name,
    );
  }
  return value.unsigned;
}

function describe(value: JsonValue): string {
  switch (value.kind) {
    case "null":
      return "null";
    case "boolean":
      return String(value.value);
    case "number":
      return value.text;
    case "string":
      return JSON.stringify(value.value.length > 40 ? `${value.value.slice(0, 40)}…` : value.value);
    case "array":
      return `an array of ${value.items.length}`;
    case "object":
      return `an object of ${value.entries.length} entries`;
  }
}

function formatBig(shape: readonly bigint[]): string {
  return shape.every((d) => d <= BigInt(Number.MAX_SAFE_INTEGER))
    ? formatShape(shape.map(Number))
    : `[${shape.join(", ")}]`;
}

/** Sets an own property even for a name such as "__proto__", which plain assignment would not. */
export function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
