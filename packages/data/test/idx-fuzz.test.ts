// Property-based tests: random mutations of valid IDX files, raw and gzipped, must parse to
// exactly what an independent reference decoder reads from the same bytes, or throw a typed
// error; never a RangeError, a NaN size, or a value read from outside the bytes given.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ShapeError } from "@tensortape/core";
import {
  encodeIdx,
  type IdxArray,
  IdxFormatError,
  type IdxType,
  idxToTensor,
  parseIdx,
  parseIdxAsync,
  SizeLimitError,
} from "@tensortape/data";
import { readIdxFile } from "@tensortape/data/node";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";

const SEED = 20240611;
const MAX_BYTES = 1 << 16;
const dir = mkdtempSync(join(tmpdir(), "tensortape-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The reference decoder: the IDX format read straight from its definition, with sizes in
// BigInt so that no header can overflow it.
const CODES: Record<number, [IdxType, number, (v: DataView, at: number) => number]> = {
  8: ["ubyte", 1, (v, at) => v.getUint8(at)],
  9: ["byte", 1, (v, at) => v.getInt8(at)],
  11: ["short", 2, (v, at) => v.getInt16(at, false)],
  12: ["int", 4, (v, at) => v.getInt32(at, false)],
  13: ["float", 4, (v, at) => v.getFloat32(at, false)],
  14: ["double", 8, (v, at) => v.getFloat64(at, false)],
};

interface Decoded {
  readonly type: IdxType;
  readonly shape: number[];
  readonly values: number[];
}

function reference(bytes: Uint8Array): Decoded | null {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) return null;
  const entry = CODES[bytes[2]!];
  const rank = bytes[3]!;
  if (!entry || rank === 0 || bytes.length < 4 + 4 * rank) return null;
  const [type, size, read] = entry;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1n;
  for (let d = 0; d < rank; d++) {
    shape.push(view.getUint32(4 + 4 * d, false));
    count *= BigInt(shape[d]!);
  }
  const header = 4 + 4 * rank;
  if (BigInt(bytes.length - header) !== count * BigInt(size)) return null;
  const values: number[] = [];
  for (let i = 0; i < Number(count); i++) values.push(read(view, header + size * i));
  return { type, shape, values };
}

/** Fails unless `array` is exactly what the reference decoder read. */
function expectDecoded(array: IdxArray, decoded: Decoded): void {
  expect(array.type).toBe(decoded.type);
  expect(array.shape).toEqual(decoded.shape);
  expect(array.data.length).toBe(decoded.values.length);
  // Object.is: NaN matches NaN, and -0 does not match 0.
  const mismatch = decoded.values.findIndex((v, i) => !Object.is(array.data[i], v));
  expect(mismatch).toBe(-1);
  // The tensor of it too, unless a dimension is beyond what a tensor may have (an empty file
  // can claim 2^32 - 1 rows); then a typed error, never a NaN size.
  let tensor: ReturnType<typeof idxToTensor> | undefined;
  try {
    tensor = idxToTensor(array);
  } catch (error) {
    expect(error).toBeInstanceOf(ShapeError);
    expect(array.shape.some((d) => d > 2 ** 31 - 1)).toBe(true);
  }
  if (tensor) {
    expect(tensor.shape).toEqual(decoded.shape);
    expect(tensor.size).toBe(decoded.values.length);
    expect(Array.from(tensor.data).every((v, i) => Object.is(v, decoded.values[i]))).toBe(true);
  }
}

// Valid files: any element type, rank 1 to 4, small dimensions (zeros included), any values.
const values: Record<IdxType, fc.Arbitrary<number>> = {
  ubyte: fc.integer({ min: 0, max: 255 }),
  byte: fc.integer({ min: -128, max: 127 }),
  short: fc.integer({ min: -32768, max: 32767 }),
  int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  float: fc.float(),
  double: fc.double(),
};
const validFile = fc
  .record({
    type: fc.constantFrom<IdxType>("ubyte", "byte", "short", "int", "float", "double"),
    shape: fc.array(
      fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 6 }, fc.constant(0)),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .chain(({ type, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    return fc
      .array(values[type], { minLength: count, maxLength: count })
      .map((data) => encodeIdx({ type, shape, data }));
  });

/** A byte of the elements only: the file stays valid, with other values. */
const elementFlip = fc
  .tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))
  .map(([at, mask]) => (b: Uint8Array) => {
    const out = b.slice();
    const start = out.length > 3 ? 4 + 4 * out[3]! : out.length;
    if (start < out.length) out[start + (at % (out.length - start))]! ^= mask;
    return out;
  });

// Mutations, applied one after another; positions are taken modulo the file's length.
const dimension = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
type Mutation = (bytes: Uint8Array) => Uint8Array;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => (b: Uint8Array) => {
    const out = b.slice();
    if (out.length > 0) out[at % out.length]! ^= mask;
    return out;
  }),
  elementFlip,
  fc.nat().map((at) => (b: Uint8Array) => b.slice(0, b.length === 0 ? 0 : at % b.length)),
  fc.uint8Array({ minLength: 1, maxLength: 24 }).map((tail) => (b: Uint8Array) => {
    const out = new Uint8Array(b.length + tail.length);
    out.set(b);
    out.set(tail, b.length);
    return out;
  }),
  // The magic number: its zero bytes, its type code (known codes or not) and its rank.
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }))
    .map(([at, value]) => (b: Uint8Array) => {
      const out = b.slice();
      if (at < out.length) out[at] = value;
      return out;
    }),
  fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e).map((code) => (b: Uint8Array) => {
    const out = b.slice();
    if (out.length > 2) out[2] = code;
    return out;
  }),
  // A dimension set to anything a uint32 holds: zeros, huge values, exact fits.
  fc.tuple(fc.nat(), dimension).map(([d, value]) => (b: Uint8Array) => {
    const out = b.slice();
    const rank = out.length > 3 ? out[3]! : 0;
    const at = 4 + 4 * (rank === 0 ? 0 : d % rank);
    if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, value, false);
    return out;
  }),
);
// A new header: up to 48 dimensions of 2^32 - 1 (33 of them overflow a double to Infinity),
// then a few others, zeros likely among them (Infinity · 0 is NaN).
const header = fc
  .tuple(
    fc.integer({ min: 0, max: 48 }),
    fc.array(fc.oneof(fc.constant(0), dimension), { minLength: 1, maxLength: 6 }),
  )
  .map(([huge, rest]) => [...new Array<number>(huge).fill(2 ** 32 - 1), ...rest])
  .map((dims) => (b: Uint8Array) => {
    const rank = b.length > 3 ? b[3]! : 0;
    const data = b.subarray(Math.min(b.length, 4 + 4 * rank));
    const out = new Uint8Array(4 + 4 * dims.length + data.length);
    const view = new DataView(out.buffer);
    out.set(b.subarray(0, 3));
    out[3] = dims.length;
    for (let d = 0; d < dims.length; d++) view.setUint32(4 + 4 * d, dims[d]!, false);
    out.set(data, 4 + 4 * dims.length);
    return out;
  });
const mutations = fc.array(fc.oneof(mutation, header), { minLength: 1, maxLength: 4 });

function mutate(bytes: Uint8Array, steps: readonly Mutation[]): Uint8Array {
  return steps.reduce((b, step) => step(b), bytes);
}

/** `bytes` inside a larger buffer of 0xA5 bytes, so that a read past the view shows. */
function padded(bytes: Uint8Array, before: number): Uint8Array {
  const buffer = new Uint8Array(before + bytes.length + 64).fill(0xa5);
  buffer.set(bytes, before);
  return buffer.subarray(before, before + bytes.length);
}

describe("parseIdx on mutated files: the reference decoder's result, or an IdxFormatError", () => {
  test("raw files", () => {
    fc.assert(
      fc.property(validFile, mutations, fc.integer({ min: 0, max: 7 }), (file, steps, before) => {
        const bytes = padded(mutate(file, steps), before);
        const decoded = reference(bytes);
        let array: IdxArray;
        try {
          array = parseIdx(bytes, "fuzz");
        } catch (error) {
          expect(error).toBeInstanceOf(IdxFormatError);
          expect(decoded).toBeNull();
          return;
        }
        expect(decoded).not.toBeNull();
        expectDecoded(array, decoded!);
        expect(array.data.buffer).not.toBe(bytes.buffer);
      }),
      { seed: SEED, numRuns: 800 },
    );
  });

  test("valid files, and files with other element values, read back exactly", () => {
    fc.assert(
      fc.property(validFile, fc.array(elementFlip, { maxLength: 3 }), (file, steps) => {
        const bytes = mutate(file, steps);
        expectDecoded(parseIdx(bytes), reference(bytes)!);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

/** What zlib makes of `bytes`, or null where it refuses them. */
function gunzipped(bytes: Uint8Array): Uint8Array | null {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_BYTES });
  } catch {
    return null;
  }
}

/** Mutations of gzip data, plus re-compressions of mutated IDX files. */
const gzipCase = fc.oneof(
  fc.tuple(validFile, mutations).map(([file, steps]) => mutate(gzipSync(file), steps)),
  fc.tuple(validFile, mutations).map(([file, steps]) => gzipSync(mutate(file, steps))),
);

describe("gzipped files: what zlib and the reference decoder read, or a typed error", () => {
  test("parseIdxAsync (DecompressionStream)", async () => {
    await fc.assert(
      fc.asyncProperty(gzipCase, async (bytes) => {
        const raw = gunzipped(bytes);
        const decoded = raw && reference(raw);
        let array: IdxArray;
        try {
          array = await parseIdxAsync(bytes, "fuzz.gz", { maxBytes: MAX_BYTES });
        } catch (error) {
          expect([IdxFormatError, SizeLimitError]).toContainEqual((error as object).constructor);
          expect(decoded).toBeNull();
          return;
        }
        expect(decoded).not.toBeNull();
        expectDecoded(array, decoded!);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("readIdxFile (zlib)", () => {
    const path = join(dir, "fuzz-idx.gz");
    fc.assert(
      fc.property(gzipCase, (bytes) => {
        writeFileSync(path, bytes);
        const raw = gunzipped(bytes);
        const decoded = raw && reference(raw);
        let array: IdxArray;
        try {
          array = readIdxFile(path, { maxBytes: MAX_BYTES });
        } catch (error) {
          expect([IdxFormatError, SizeLimitError]).toContainEqual((error as object).constructor);
          expect(decoded).toBeNull();
          return;
        }
        expect(decoded).not.toBeNull();
        expectDecoded(array, decoded!);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
