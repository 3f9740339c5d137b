/**
 * The half-float decoders read two values per 32-bit word: odd counts (the last value alone),
 * data sections that do not start on a 4-byte boundary (copied before reading), and every
 * special pattern in both halves of a word, against a decode of one value at a time.
 */
import { deserializeSafetensors } from "@tensortape/nn";
import { describe, expect, test } from "vitest";

/** A file holding one tensor `t` of `dtype` after `skip` bytes of padding tensor `p`. */
function fileOf(dtype: "F16" | "BF16", values: Uint16Array, skip: number): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const end = skip + bytes.length;
  const entries: string[] = [
    `"t":{"dtype":"${dtype}","shape":[${values.length}],"data_offsets":[${skip},${end}]}`,
  ];
  if (skip > 0) entries.push(`"p":{"dtype":"U8","shape":[${skip}],"data_offsets":[0,${skip}]}`);
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const file = new Uint8Array(8 + json.length + end);
  new DataView(file.buffer).setUint32(0, json.length, true);
  file.set(json, 8);
  file.set(bytes, 8 + json.length + skip);
  return file;
}

/** float32 bits of one half float, by IEEE 754's definition. */
function halfBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (fraction << 13)) >>> 0;
  const scratch = new Float32Array([
    (h & 0x8000 ? -1 : 1) *
      (exponent === 0 ? 2 ** -24 * fraction : 2 ** (exponent - 15) * (1 + fraction / 1024)),
  ]);
  return new Uint32Array(scratch.buffer)[0]!;
}

/** Special patterns (zeros, subnormals, infinities, NaNs) mixed with normal numbers. */
function halves(count: number, seed: number): Uint16Array {
  const specials = [0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7e01, 0xfdff, 0x3c00];
  const out = new Uint16Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = i % 3 === 0 ? specials[(state >>> 8) % specials.length]! : state >>> 16;
  }
  return out;
}

describe("half floats decoded two per word", () => {
  for (const dtype of ["F16", "BF16"] as const) {
    test(`${dtype}: odd and even counts, aligned and unaligned data`, () => {
      for (const count of [1, 2, 3, 8, 9, 1001]) {
        for (const skip of [0, 1, 2, 4]) {
          const values = halves(count, count * 7 + skip);
          const got = deserializeSafetensors(fileOf(dtype, values, skip)).tensors.t!.data;
          const bits = new Uint32Array(got.buffer, got.byteOffset, got.length);
          for (let i = 0; i < count; i++) {
            const h = values[i]!;
            const expected = dtype === "BF16" ? (h << 16) >>> 0 : halfBits(h);
            if (bits[i] !== expected) {
              expect.fail(
                `${dtype} count ${count} skip ${skip} element ${i} (0x${h.toString(16)}): got 0x${bits[i]!.toString(16)}, expected 0x${expected.toString(16)}`,
              );
            }
          }
        }
      }
    });
  }
});
