import { DTypeError, ShapeError, ValueError } from "@tensortape/core";
import { encodeIdx, type IdxType, idxToTensor, parseIdx } from "@tensortape/data";
import { describe, expect, test } from "vitest";

describe("parseIdx reads hand-built files", () => {
  test("unsigned bytes, 2 × 3", () => {
    // magic 00 00 08 02, dims 2 and 3 (big-endian uint32), then six bytes.
    const bytes = Uint8Array.of(0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255);
    const array = parseIdx(bytes);
    expect(array.type).toBe("ubyte");
    expect(array.shape).toEqual([2, 3]);
    expect(array.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(array.data)).toEqual([0, 1, 2, 253, 254, 255]);
  });

  test("big-endian dimensions above 255", () => {
    // 0x00000102 = 258 elements.
    const bytes = new Uint8Array(4 + 4 + 258);
    bytes.set([0, 0, 0x08, 1, 0, 0, 1, 2]);
    expect(parseIdx(bytes).shape).toEqual([258]);
  });

  test("signed bytes are two's complement", () => {
    const array = parseIdx(Uint8Array.of(0, 0, 0x09, 1, 0, 0, 0, 3, 0x7f, 0x80, 0xff));
    expect(array.type).toBe("byte");
    expect(Array.from(array.data)).toEqual([127, -128, -1]);
  });

  test("shorts are big-endian", () => {
    // 0x0102 = 258; 0xfffe = -2.
    const array = parseIdx(Uint8Array.of(0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe));
    expect(array.type).toBe("short");
    expect(Array.from(array.data)).toEqual([258, -2]);
  });

  test("ints are big-endian", () => {
    // 0x01020304 = 16909060; 0x80000000 = -2^31.
    const bytes = Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0x80, 0, 0, 0);
    const array = parseIdx(bytes);
    expect(array.type).toBe("int");
    expect(Array.from(array.data)).toEqual([16909060, -(2 ** 31)]);
  });

  test("floats and doubles are big-endian IEEE 754", () => {
    // 0x3fc00000 = 1.5f; 0xc0200000 = -2.5f.
    const floats = parseIdx(
      Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0),
    );
    expect(floats.type).toBe("float");
    expect(Array.from(floats.data)).toEqual([1.5, -2.5]);
    // 0x3ff8000000000000 = 1.5.
    const doubles = parseIdx(
      Uint8Array.of(0, 0, 0x0e, 1, 0, 0, 0, 1, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0),
    );
    expect(doubles.type).toBe("double");
    expect(Array.from(doubles.data)).toEqual([1.5]);
  });

  test("a zero-sized dimension holds no data", () => {
    const array = parseIdx(Uint8Array.of(0, 0, 0x0d, 2, 0, 0, 0, 0, 0, 0, 0, 5));
    expect(array.shape).toEqual([0, 5]);
    expect(array.data.length).toBe(0);
  });

  test("the result does not share memory with the input", () => {
    const bytes = Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9);
    const array = parseIdx(bytes);
    bytes[8] = 100;
    expect(Array.from(array.data)).toEqual([7, 9]);
  });

  test("a view into a larger buffer is read from its own offset", () => {
    const buffer = new Uint8Array(32).fill(0xaa);
    buffer.set([0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02], 5);
    const array = parseIdx(buffer.subarray(5, 15));
    expect(Array.from(array.data)).toEqual([258]);
  });
});

describe("encodeIdx writes the bytes parseIdx reads", () => {
  test("the exact bytes of a short file", () => {
    const bytes = encodeIdx({ type: "short", shape: [1, 2], data: [258, -2] });
    expect(Array.from(bytes)).toEqual([
      0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe,
    ]);
  });

  const cases: { type: IdxType; data: number[] }[] = [
    { type: "ubyte", data: [0, 1, 127, 128, 254, 255] },
    { type: "byte", data: [-128, -1, 0, 1, 100, 127] },
    { type: "short", data: [-32768, -1, 0, 1, 258, 32767] },
    { type: "int", data: [-2147483648, -1, 0, 1, 16909060, 2147483647] },
    {
      type: "float",
      data: [-0, 1.5, -2.25, 3.4028234663852886e38, 2 ** -149, Number.POSITIVE_INFINITY],
    },
    { type: "double", data: [Math.PI, -Math.E, 1e-300, -1e300, 5e-324, Number.NEGATIVE_INFINITY] },
  ];
  for (const { type, data } of cases) {
    test(`round trip: ${type}`, () => {
      const array = parseIdx(encodeIdx({ type, shape: [3, 1, 2], data }));
      expect(array.type).toBe(type);
      expect(array.shape).toEqual([3, 1, 2]);
      // Object.is tells -0 from 0.
      expect(Array.from(array.data).every((v, i) => Object.is(v, data[i]))).toBe(true);
      // Writing what was read gives the same bytes again.
      expect(encodeIdx(array)).toEqual(encodeIdx({ type, shape: [3, 1, 2], data }));
    });
  }

  test("NaN survives float and double", () => {
    for (const type of ["float", "double"] as const) {
      const array = parseIdx(encodeIdx({ type, shape: [1], data: [Number.NaN] }));
      expect(Number.isNaN(array.data[0])).toBe(true);
    }
  });

  test("float rounds to float32", () => {
    const array = parseIdx(encodeIdx({ type: "float", shape: [1], data: [0.1] }));
    expect(array.data[0]).toBe(Math.fround(0.1));
  });

  test("a tensor's data can be written", () => {
    const t = idxToTensor(
      parseIdx(encodeIdx({ type: "int", shape: [2, 2], data: [1, -2, 3, -4] })),
    );
    expect(
      Array.from(parseIdx(encodeIdx({ type: "int", shape: t.shape, data: t.data })).data),
    ).toEqual([1, -2, 3, -4]);
  });

  test("values that do not fit the element type are rejected, not wrapped", () => {
    const write = (type: IdxType, value: number) => () =>
      encodeIdx({ type, shape: [2], data: [0, value] });
    expect(write("ubyte", 256)).toThrow(ValueError);
    expect(write("ubyte", -1)).toThrow(
      /value -1 at flat index 1 does not fit unsigned byte \(integers 0\.\.255\)/,
    );
    expect(write("byte", 128)).toThrow(ValueError);
    expect(write("short", -32769)).toThrow(ValueError);
    expect(write("int", 2 ** 31)).toThrow(ValueError);
    expect(write("int", 0.5)).toThrow(ValueError);
    expect(write("float", 0.5)).not.toThrow();
  });

  test("shapes that IDX cannot hold, or that the data does not fill, are rejected", () => {
    expect(() => encodeIdx({ type: "ubyte", shape: [], data: [1] })).toThrow(ShapeError);
    expect(() => encodeIdx({ type: "ubyte", shape: [2 ** 32], data: [] })).toThrow(ShapeError);
    expect(() => encodeIdx({ type: "ubyte", shape: [2, 2], data: [1, 2, 3] })).toThrow(
      "encodeIdx: data length does not match shape; got shape [2, 2] (3 elements for a shape that holds 4)",
    );
  });

  test("float and double take numbers only, not strings that look like them", () => {
    const strings = ["1.5", "x"] as unknown as number[];
    for (const type of ["float", "double"] as const) {
      expect(() => encodeIdx({ type, shape: [2], data: strings })).toThrow(ValueError);
    }
    expect(() => encodeIdx({ type: "float", shape: [2], data: strings })).toThrow(
      'encodeIdx: value "1.5" at flat index 0 is not a number, as float needs',
    );
  });

  test("an unknown element type is named", () => {
    const bad = { type: "half" as IdxType, shape: [1], data: [0] };
    expect(() => encodeIdx(bad)).toThrow(ValueError);
    expect(() => encodeIdx(bad)).toThrow(/unknown element type "half"/);
  });
});

describe("idxToTensor", () => {
  test("integer types become int32, float float32, double float64", () => {
    const dtypes: Record<IdxType, string> = {
      ubyte: "int32",
      byte: "int32",
      short: "int32",
      int: "int32",
      float: "float32",
      double: "float64",
    };
    for (const [type, dtype] of Object.entries(dtypes) as [IdxType, string][]) {
      const t = idxToTensor(parseIdx(encodeIdx({ type, shape: [2, 1], data: [1, 2] })));
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual([2, 1]);
      expect(t.toArray()).toEqual([[1], [2]]);
    }
  });

  test("signed values stay signed", () => {
    const t = idxToTensor(parseIdx(encodeIdx({ type: "byte", shape: [2], data: [-128, 127] })));
    expect(t.toArray()).toEqual([-128, 127]);
    expect(() => t.requireGrad()).toThrow(DTypeError);
  });
});
