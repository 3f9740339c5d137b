// A tensor's little-endian bytes decoded straight into the typed array of its tensortape
// dtype: no per-element allocation, no intermediate Float64Array, so decoding costs about
// one pass and the memory of the output. Wider types view the file's bytes in place where
// they are aligned, and copy only the one tensor's bytes where they are not.
import {
  type DType,
  formatShape,
  ShapeError,
  sizeOf,
  type Tensor,
  type TypedArray,
  tensor,
} from "@tensortape/core";
import type { SafetensorsDType, SafetensorsTensorInfo } from "./safetensors-header.js";

/** How each readable dtype becomes a tensor: floats to float32 or float64, integers to int32. */
export const READ_AS: Partial<Record<SafetensorsDType, DType>> = {
  F64: "float64",
  F32: "float32",
  F16: "float32",
  BF16: "float32",
  F8_E4M3: "float32",
  F8_E5M2: "float32",
  F8_E4M3FNUZ: "float32",
  F8_E5M2FNUZ: "float32",
  F8_E8M0: "float32",
  U64: "int32",
  I64: "int32",
  U32: "int32",
  I32: "int32",
  I16: "int32",
  U16: "int32",
  I8: "int32",
  U8: "int32",
  BOOL: "bool",
};

/** Why the others cannot be read. */
const UNREADABLE: Partial<Record<SafetensorsDType, string>> = {
  F4: "4-bit floats (two per byte) have no tensortape dtype",
  F6_E2M3: "6-bit floats (packed across bytes) have no tensortape dtype",
  F6_E3M2: "6-bit floats (packed across bytes) have no tensortape dtype",
  C64: "complex numbers have no tensortape dtype",
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Fail = (problem: string, tensor?: string) => never;

/**
 * Decodes the tensor `name` whose data section starts at `dataStart` in `file`. Its range was
 * checked against the file by the header reader. Integers that int32 cannot hold throw,
 * naming the value and where it is, rather than wrap.
 */
export function decodeTensor(
  name: string,
  info: SafetensorsTensorInfo,
  file: Uint8Array,
  dataStart: number,
  fail: Fail,
): Tensor {
  const dtype = READ_AS[info.dtype];
  if (!dtype) {
    fail(`dtype ${info.dtype} cannot be read: ${UNREADABLE[info.dtype]}`, name);
  }
  const n = sizeOf(info.shape);
  const bytes = file.subarray(dataStart + info.dataOffsets[0], dataStart + info.dataOffsets[1]);
  const data = decodeData(name, info.dtype, bytes, n, fail);
  try {
    return tensor(data, { shape: info.shape, dtype, copy: false });
  } catch (error) {
    // The format allows shapes a tensor cannot take (a dimension above 2^31 - 1 beside a 0).
    if (!(error instanceof ShapeError)) throw error;
    return fail(`shape ${formatShape(info.shape)} cannot be a tensor here: ${error.message}`, name);
  }
}

function decodeData(
  name: string,
  format: SafetensorsDType,
  bytes: Uint8Array,
  n: number,
  fail: Fail,
): TypedArray {
  switch (format) {
    case "F64":
      return copyOf(bytes, new Float64Array(n));
    case "F32":
      return copyOf(bytes, new Float32Array(n));
    case "I32":
      return copyOf(bytes, new Int32Array(n));
    case "BOOL": {
      return toBool(bytes);
    }
    // TypedArray.prototype.set converts between element types natively, in one pass.
    case "U8":
      return widen(bytes, n);
    case "I8":
      return widen(new Int8Array(bytes.buffer, bytes.byteOffset, n), n);
    case "I16":
      return widen(new Int16Array(...aligned(bytes, 2, 2), n), n);
    case "U16":
      return widen(new Uint16Array(...aligned(bytes, 2, 2), n), n);
    case "F16": {
      const out = new Float32Array(n);
      const bits = new Int32Array(out.buffer);
      if (LITTLE_ENDIAN_HOST) {
        halfPairsToFloatBits(halfTable(), new Int32Array(...aligned(bytes, 4, 4), n >> 1), bits);
        if (n & 1) {
          halfToFloatBits(
            halfTable(),
            new Uint16Array(...aligned(bytes, 2, 2), n).subarray(n - 1),
            bits.subarray(n - 1),
          );
        }
      } else {
        halfToFloatBits(halfTable(), new Uint16Array(...aligned(bytes, 2, 2), n), bits);
      }
      return out;
    }
    case "BF16": {
      // bfloat16 is the top half of a float32: a shift is exact for every value and NaN.
      const out = new Float32Array(n);
      const bits = new Int32Array(out.buffer);
      if (LITTLE_ENDIAN_HOST) {
        // Two values per 32-bit load, which nearly halves the loop's time.
        shiftUpPairs(new Int32Array(...aligned(bytes, 4, 4), n >> 1), bits);
        if (n & 1) bits[n - 1] = (bytes[2 * n - 2]! | (bytes[2 * n - 1]! << 8)) << 16;
      } else {
        shiftUp16(new Uint16Array(...aligned(bytes, 2, 2), n), bits);
      }
      return out;
    }
    case "F8_E4M3":
    case "F8_E5M2":
    case "F8_E4M3FNUZ":
    case "F8_E5M2FNUZ":
    case "F8_E8M0": {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      lookUp8(fp8Table(format), bytes, bits);
      return out;
    }
    case "U32": {
      const source = new Uint32Array(...aligned(bytes, 4, 4), n);
      for (let i = 0; i < n; i++) {
        if (source[i]! > 0x7fffffff) tooWide(name, format, source[i]!, i, fail);
      }
      return new Int32Array(source);
    }
    case "I64":
    case "U64": {
      // Each value as two 32-bit words, low first: it fits int32 when the high word is the
      // low word's sign extension (I64), or zero with the low word below 2^31 (U64).
      const words = new Int32Array(...aligned(bytes, 4, 4), 2 * n);
      const out = new Int32Array(n);
      const signed = format === "I64";
      for (let i = 0; i < n; i++) {
        const low = words[2 * i]!;
        const high = words[2 * i + 1]!;
        if (high !== (signed ? low >> 31 : 0) || (!signed && low < 0)) {
          const value = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
          tooWide(name, format, signed ? BigInt.asIntN(64, value) : value, i, fail);
        }
        out[i] = low;
      }
      return out;
    }
    default:
      return fail(`dtype ${format} cannot be read`, name);
  }
}

// The loops are small functions of their own, each seeing one pair of array types, so the
// engine compiles each to a tight loop (inside one large function they decode about 2× slower).
// Float bit patterns are handled as int32 (Int32Array views, not Uint32Array): a uint32 above
// 2^31 is no small integer to the engine, and a loop mixing it with int32 values falls back
// to float64 arithmetic, which made F16 decode five times slower than F32.

/**
 * Half floats to float32 bits. A normal number only moves its exponent and fraction (and
 * rebiases the exponent by 127 − 15); zeros, subnormals, infinities and NaNs, rare in
 * weights, come from the table.
 */
function halfToFloatBits(table: Int32Array, source: Uint16Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) {
    const h = source[i]!;
    const exponent = h & 0x7c00;
    out[i] =
      exponent === 0 || exponent === 0x7c00
        ? table[h]!
        : ((h & 0x8000) << 16) | (((h & 0x7fff) << 13) + 0x38000000);
  }
}

/**
 * halfToFloatBits on two half floats per 32-bit load (the first in the low half of each
 * little-endian word), which saves a third of the loop's time.
 */
function halfPairsToFloatBits(table: Int32Array, pairs: Int32Array, out: Int32Array): void {
  for (let j = 0; j < pairs.length; j++) {
    const word = pairs[j]!;
    const low = word & 0xffff;
    const high = word >>> 16;
    const e0 = low & 0x7c00;
    const e1 = high & 0x7c00;
    out[2 * j] =
      e0 === 0 || e0 === 0x7c00
        ? table[low]!
        : ((low & 0x8000) << 16) | (((low & 0x7fff) << 13) + 0x38000000);
    out[2 * j + 1] =
      e1 === 0 || e1 === 0x7c00
        ? table[high]!
        : ((high & 0x8000) << 16) | (((high & 0x7fff) << 13) + 0x38000000);
  }
}

function lookUp8(table: Uint32Array, source: Uint8Array, out: Uint32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = table[source[i]!]!;
}

function shiftUp16(source: Uint16Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = source[i]! << 16;
}

/** Each little-endian word holds two bfloat16s: the first in its low half, the second in its high. */
function shiftUpPairs(pairs: Int32Array, out: Int32Array): void {
  for (let j = 0; j < pairs.length; j++) {
    const word = pairs[j]!;
    out[2 * j] = word << 16;
    out[2 * j + 1] = word & 0xffff0000;
  }
}

function toBool(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] === 0 ? 0 : 1;
  return out;
}

function widen(source: Uint8Array | Int8Array | Int16Array | Uint16Array, n: number): Int32Array {
  const out = new Int32Array(n);
  out.set(source);
  return out;
}

function tooWide(
  name: string,
  format: SafetensorsDType,
  value: number | bigint,
  index: number,
  fail: Fail,
): never {
  return fail(
    `${format} value ${value} at flat index ${index} does not fit in int32, tensortape's integer dtype (it would wrap)`,
    name,
  );
}

/** Copies the bytes into `out`'s memory, byte for byte, then puts them in host order. */
function copyOf<T extends Float32Array | Float64Array | Int32Array>(bytes: Uint8Array, out: T): T {
  new Uint8Array(out.buffer).set(bytes);
  if (!LITTLE_ENDIAN_HOST) swapBytes(new Uint8Array(out.buffer), out.BYTES_PER_ELEMENT);
  return out;
}

/**
 * The buffer and byte offset of a typed-array view over `bytes` in host order: `bytes`
 * itself when it lies on an `alignment` boundary of a little-endian host, else a copy.
 * `word` is the unit to byte-swap on a big-endian host (4 for 64-bit integers, which are
 * read as pairs of 32-bit words).
 */
function aligned(bytes: Uint8Array, alignment: number, word: number): [ArrayBufferLike, number] {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % alignment === 0)
    return [bytes.buffer, bytes.byteOffset];
  const copy = bytes.slice();
  if (!LITTLE_ENDIAN_HOST) swapBytes(copy, word);
  return [copy.buffer, 0];
}

function swapBytes(bytes: Uint8Array, word: number): void {
  for (let i = 0; i < bytes.length; i += word) bytes.subarray(i, i + word).reverse();
}

let half: Int32Array | undefined;

/**
 * float32 bit patterns of all 65,536 half floats, exact: subnormals become normal float32s,
 * and infinities and NaNs keep their sign and payload (the payload shifted up, as a widening
 * conversion does).
 */
function halfTable(): Int32Array {
  if (half) return half;
  half = new Int32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    let fraction = h & 0x3ff;
    if (exponent === 0x1f) half[h] = sign | 0x7f800000 | (fraction << 13);
    else if (exponent !== 0) half[h] = sign | ((exponent + 112) << 23) | (fraction << 13);
    else if (fraction === 0) half[h] = sign;
    else {
      // Subnormal: 2^-14 × fraction/1024; normalise the fraction's leading one away.
      let e = 113;
      while ((fraction & 0x400) === 0) {
        fraction <<= 1;
        e--;
      }
      half[h] = sign | (e << 23) | ((fraction & 0x3ff) << 13);
    }
  }
  return half;
}

const fp8Tables = new Map<SafetensorsDType, Uint32Array>();

/** The float formats of one byte: exponent and fraction widths, bias, and their NaN and infinity encodings. */
const FP8: Record<string, { e: number; m: number; bias: number; nan: (b: number) => boolean }> = {
  // OCP FP8 E4M3 ("fn": finite, no infinities): S.1111.111 is NaN.
  F8_E4M3: { e: 4, m: 3, bias: 7, nan: (b) => (b & 0x7f) === 0x7f },
  // "fnuz" variants: no infinities, no negative zero; 0x80 alone is NaN.
  F8_E4M3FNUZ: { e: 4, m: 3, bias: 8, nan: (b) => b === 0x80 },
  F8_E5M2FNUZ: { e: 5, m: 2, bias: 16, nan: (b) => b === 0x80 },
};

const QUIET_NAN = 0x7fc00000;

/**
 * float32 bit patterns of the 256 values of a one-byte float format, all exact in float32.
 * E5M2 is the top byte of a half float, NaN payloads included; the other formats' NaNs carry
 * no payload and become float32's quiet NaN (with the sign bit, where the format has one).
 */
function fp8Table(format: SafetensorsDType): Uint32Array {
  const cached = fp8Tables.get(format);
  if (cached) return cached;
  const table = new Uint32Array(256);
  const scratch = new Float32Array(1);
  const bits = new Uint32Array(scratch.buffer);
  for (let b = 0; b < 256; b++) {
    if (format === "F8_E5M2") {
      table[b] = halfTable()[b << 8]! >>> 0;
      continue;
    }
    if (format === "F8_E8M0") {
      // Exponent only (a scale factor): 2^(b - 127); 0xff is NaN. 2^-127 is a float32 subnormal.
      scratch[0] = 2 ** (b - 127);
      table[b] = b === 0xff ? QUIET_NAN : bits[0]!;
      continue;
    }
    const f = FP8[format]!;
    const sign = b >> 7 ? -1 : 1;
    const exponent = (b >> f.m) & ((1 << f.e) - 1);
    const fraction = b & ((1 << f.m) - 1);
    if (f.nan(b)) {
      table[b] = (b === 0x80 ? 0 : (b & 0x80) << 24) | QUIET_NAN;
      continue;
    }
    if (exponent === 0) scratch[0] = sign * 2 ** (1 - f.bias) * (fraction / 2 ** f.m);
    else scratch[0] = sign * 2 ** (exponent - f.bias) * (1 + fraction / 2 ** f.m);
    table[b] = bits[0]!;
  }
  fp8Tables.set(format, table);
  return table;
}
