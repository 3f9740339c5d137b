import { ShapeError } from "@tensortape/core";
import { encodeIdx, IdxFormatError, idxToTensor, parseIdx } from "@tensortape/data";
import { describe, expect, test } from "vitest";
import { caught } from "./caught.js";

const FILE = "huge-idx";
const MAX_UINT32 = 2 ** 32 - 1;

/** An IDX file of `type` code, with `dims` and then `data` bytes. */
function idx(code: number, dims: readonly number[], data = 0): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data);
  const view = new DataView(bytes.buffer);
  bytes[2] = code;
  bytes[3] = dims.length;
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i]!, false);
  return bytes;
}

describe("parseIdx counts elements exactly, whatever the header claims", () => {
  test("33 dimensions of 2^32 - 1 then a 0: no elements, so 100 trailing bytes are too many", () => {
    // The product of the first 33 overflows a double to Infinity, and Infinity · 0 is NaN: the
    // count must be 0, so the file must end right after its 4 + 34 · 4 = 140 header bytes.
    const dims = [...new Array<number>(33).fill(MAX_UINT32), 0];
    const error = caught(() => parseIdx(idx(0x08, dims, 100), FILE));
    expect(error.problem).toBe("more bytes than the dimensions describe");
    expect(error.file).toBe(FILE);
    expect(error.expected).toBe(
      `0 bytes of data for shape [${dims.join(", ")}] of unsigned byte (1 byte each)`,
    );
    expect(error.found).toBe("100 bytes (100 too many)");
  });

  test("the same header with no trailing bytes is a valid, empty file", () => {
    const dims = [...new Array<number>(33).fill(MAX_UINT32), 0];
    const array = parseIdx(idx(0x08, dims), FILE);
    expect(array.shape).toEqual(dims);
    expect(array.data.length).toBe(0);
  });

  test("a zero dimension first or in the middle makes the count 0 too", () => {
    for (const dims of [
      [0, MAX_UINT32, MAX_UINT32],
      [MAX_UINT32, 0, MAX_UINT32],
      [5, 0],
    ]) {
      expect(parseIdx(idx(0x0e, dims), FILE).data.length).toBe(0);
      expect(caught(() => parseIdx(idx(0x0e, dims, 8), FILE)).found).toBe("8 bytes (8 too many)");
    }
  });

  test("a count past what the file holds is named exactly, not as Infinity or NaN", () => {
    // [2^32 - 1, 2^32 - 1, 2^32 - 1] doubles: (2^32 - 1)^3 · 8 bytes, exactly.
    const dims = [MAX_UINT32, MAX_UINT32, MAX_UINT32];
    const error = caught(() => parseIdx(idx(0x0e, dims, 16), FILE));
    expect(error.problem).toBe("data ends early");
    const bytes = BigInt(MAX_UINT32) ** 3n * 8n;
    expect(error.expected).toBe(
      `${bytes} bytes of data for shape [4294967295, 4294967295, 4294967295] of double (8 bytes each)`,
    );
    expect(error.found).toBe("16 bytes");
    // 255 dimensions of 2^32 - 1: still a plain message, with a count of 2466 digits.
    const many = caught(() => parseIdx(idx(0x08, new Array<number>(255).fill(MAX_UINT32)), FILE));
    expect(many.problem).toBe("data ends early");
    expect(many.expected).not.toMatch(/Infinity|NaN|e\+/);
    expect(many.expected.startsWith(`${BigInt(MAX_UINT32) ** 255n} bytes`)).toBe(true);
  });

  test("a count that just fits is read; one element more or less is an error", () => {
    // [3, 5] shorts: 30 bytes of data.
    expect(parseIdx(idx(0x0b, [3, 5], 30)).shape).toEqual([3, 5]);
    expect(caught(() => parseIdx(idx(0x0b, [3, 5], 29))).problem).toBe("data ends early");
    expect(caught(() => parseIdx(idx(0x0b, [3, 5], 31))).problem).toBe(
      "more bytes than the dimensions describe",
    );
  });
});

describe("encodeIdx and idxToTensor count exactly too", () => {
  test("encodeIdx writes a shape of many huge dimensions and a zero", () => {
    const dims = [...new Array<number>(33).fill(MAX_UINT32), 0];
    const bytes = encodeIdx({ type: "ubyte", shape: dims, data: [] });
    expect(bytes.length).toBe(4 + 4 * 34);
    expect(parseIdx(bytes).shape).toEqual(dims);
    expect(() => encodeIdx({ type: "ubyte", shape: dims, data: [1] })).toThrow(
      `encodeIdx: data length does not match shape; got shape [${dims.join(", ")}] (1 elements for a shape that holds 0)`,
    );
  });

  test("idxToTensor: an empty file with a dimension no tensor holds is a ShapeError naming it", () => {
    const array = parseIdx(idx(0x08, [MAX_UINT32, 0]), FILE);
    const read = () => idxToTensor(array);
    expect(read).toThrow(ShapeError);
    expect(read).toThrow(/^idxToTensor: /);
    // Within a tensor's limits, the empty tensor keeps the file's shape.
    expect(idxToTensor(parseIdx(idx(0x08, [1000, 0, 7]))).shape).toEqual([1000, 0, 7]);
  });

  test("idxToTensor: data that does not fill the shape is a ShapeError, not a silent zero fill", () => {
    const short = { type: "int", shape: [2, 2], data: Int32Array.of(1, 2, 3) } as const;
    expect(() => idxToTensor(short)).toThrow(ShapeError);
    expect(() => idxToTensor(short)).toThrow(
      "idxToTensor: data length does not match shape; got shape [2, 2] (3 elements for a shape that holds 4)",
    );
    const long = { type: "int", shape: [1], data: Int32Array.of(1, 2) } as const;
    expect(() => idxToTensor(long)).toThrow(ShapeError);
  });

  test("IdxFormatError is what malformed sizes throw, never RangeError", () => {
    const dims = [...new Array<number>(40).fill(65536), 0];
    expect(() => parseIdx(idx(0x0d, dims, 4), FILE)).toThrow(IdxFormatError);
  });
});
