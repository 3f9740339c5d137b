// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON header padded with spaces to a multiple of 8, then the
// tensors' raw little-endian bytes. Bytes only here (browser-safe); files are in ../node.ts.
import type { DType, Tensor } from "@tensortape/core";
import { ValueError } from "@tensortape/core";
import { SafetensorsError } from "../errors.js";
import { decodeTensor } from "./safetensors-decode.js";
import {
  type DeserializeOptions,
  define,
  FORMAT_DTYPES,
  readHeader,
  type SafetensorsDType,
} from "./safetensors-header.js";

export type { DeserializeOptions } from "./safetensors-header.js";

/** The tensors and free-form string metadata of one safetensors file. */
export interface SafetensorsContents {
  /** The tensors by name. */
  readonly tensors: Record<string, Tensor>;
  /** The header's `__metadata__`: string keys to string values (empty when absent). */
  readonly metadata: Record<string, string>;
}

const WRITTEN: Record<DType, SafetensorsDType> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  bool: "BOOL",
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * JSON.stringify writes a lone UTF-16 surrogate as a `\\ud800` escape, which the reference
 * implementation refuses to read: such a string would make a file nobody can load.
 */
function checkWellFormed(op: string, what: string, text: string): void {
  if (/\p{Surrogate}/u.test(text)) {
    throw new ValueError(
      op,
      `${what} holds a lone UTF-16 surrogate, which safetensors readers refuse (not valid Unicode)`,
    );
  }
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
    checkWellFormed(op, `metadata key ${JSON.stringify(key)}`, key);
    checkWellFormed(op, `metadata value of ${JSON.stringify(key)}`, value);
  }
  const entries = Object.entries(tensors);
  for (const [name] of entries) {
    if (name === "__metadata__") {
      throw new ValueError(op, `"__metadata__" is reserved by the format and cannot name a tensor`);
    }
    checkWellFormed(op, `tensor name ${JSON.stringify(name)}`, name);
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

/**
 * Decodes a safetensors file, checking all of it before returning anything. The file is
 * accepted or refused exactly as the reference implementation (Python's `safetensors`)
 * accepts or refuses it (see `readSafetensorsHeader`); anything wrong, or a tensor that
 * tensortape cannot hold, throws a `SafetensorsError` saying what and where. F16, BF16 and
 * the FP8 formats are read as float32 exactly; I8, U8, I16, U16, and U32, I64 and U64 values
 * that fit, as int32 (a value that does not fit throws, never wraps); BOOL as bool. F4, F6
 * and C64 throw.
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
  const header = readHeader(buffer, fail);
  const tensors: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header.tensors)) {
    define(tensors, name, decodeTensor(name, info, buffer, header.dataStart, fail));
  }
  return { tensors, metadata: header.metadata };
}
