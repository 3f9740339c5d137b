import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randn, type TypedArray, tensor, ValueError } from "@tensortape/core";
import {
  Dense,
  deserializeSafetensors,
  MLP,
  readSafetensorsHeader,
  SafetensorsError,
  Sequential,
  StateDictError,
  serializeSafetensors,
} from "@tensortape/nn";
import { loadSafetensors, saveSafetensors } from "@tensortape/nn/node";
import { describe, expect, test } from "vitest";

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());

/**
 * Written by hand from the format's specification: an 8-byte little-endian header length
 * (264 = 0x108), the JSON header with `__metadata__` first and tensors in descending dtype
 * order (F64, F32, I32, BOOL), one space of padding to a multiple of 8, then the data.
 */
const HEADER =
  '{"__metadata__":{"format":"pt"},' +
  '"bias":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
  '"weight":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
  '"step":{"dtype":"I32","shape":[],"data_offsets":[16,20]},' +
  '"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]}}';
const FIXED_FILE = bytes(
  [0x08, 0x01, 0, 0, 0, 0, 0, 0],
  ascii(HEADER),
  ascii(" "),
  [0, 0, 0, 0, 0, 0, 0xe0, 0x3f], // 0.5 as little-endian float64
  [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], // 1, −2 as float32
  [7, 0, 0, 0], // 7 as int32
  [1, 0, 1], // true, false, true
);

describe("the fixed file", () => {
  test("is read as written", () => {
    expect(HEADER.length).toBe(263);
    const { tensors, metadata } = deserializeSafetensors(FIXED_FILE);
    expect(metadata).toEqual({ format: "pt" });
    expect(Object.keys(tensors).sort()).toEqual(["bias", "mask", "step", "weight"]);
    expect([tensors.bias!.dtype, tensors.bias!.shape, tensors.bias!.toArray()]).toEqual([
      "float64",
      [1],
      [0.5],
    ]);
    expect([tensors.weight!.dtype, tensors.weight!.toArray()]).toEqual(["float32", [1, -2]]);
    expect([tensors.step!.dtype, tensors.step!.shape, tensors.step!.item()]).toEqual([
      "int32",
      [],
      7,
    ]);
    expect([tensors.mask!.dtype, tensors.mask!.toArray()]).toEqual(["bool", [1, 0, 1]]);
  });

  test("is written back byte for byte, whatever order the tensors are given in", () => {
    const tensors = {
      mask: tensor([1, 0, 1], { dtype: "bool" }),
      weight: tensor([1, -2]),
      step: tensor(7, { dtype: "int32" }),
      bias: tensor([0.5], { dtype: "float64" }),
    };
    expect(serializeSafetensors(tensors, { format: "pt" })).toEqual(FIXED_FILE);
  });

  test("a torch.nn.Linear(2, 1) file, as safetensors.torch.save_file lays it out, loads into Sequential(Dense(2, 1))", () => {
    const header =
      '{"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}}';
    const file = bytes(
      [0x80, 0, 0, 0, 0, 0, 0, 0], // 122 bytes of JSON + 6 spaces = 128
      ascii(header),
      ascii("      "),
      [0, 0, 0, 0x3f], // bias 0.5
      [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40], // weight [[1, 2]]
    );
    const model = new Sequential(new Dense(2, 1));
    model.loadStateDict(deserializeSafetensors(file).tensors);
    expect(model.forward(tensor([[3, 4]])).toArray()).toEqual([[3 + 8 + 0.5]]);
    expect(serializeSafetensors(model.stateDict())).toEqual(file);
  });

  test("cases from the reference implementation's own tests: one tensor, and an empty file", () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const data = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
    const file = bytes([64, 0, 0, 0, 0, 0, 0, 0], ascii(header), Array.from(data));
    expect(
      serializeSafetensors({
        "attn.0": tensor([
          [
            [0, 1, 2],
            [3, 4, 5],
          ],
        ]),
      }),
    ).toEqual(file);
    expect(serializeSafetensors({})).toEqual(bytes([8, 0, 0, 0, 0, 0, 0, 0], ascii("{}      ")));
    expect(serializeSafetensors({}, { framework: "pt" })).toEqual(
      bytes([40, 0, 0, 0, 0, 0, 0, 0], ascii('{"__metadata__":{"framework":"pt"}}     ')),
    );
    expect(deserializeSafetensors(bytes([8, 0, 0, 0, 0, 0, 0, 0], ascii("{}      ")))).toEqual({
      tensors: {},
      metadata: {},
    });
  });
});

describe("round trips", () => {
  test("a model's state dict survives serialize → deserialize exactly", () => {
    const model = new MLP([5, 7, 3]);
    const restored = deserializeSafetensors(serializeSafetensors(model.stateDict()));
    const other = new MLP([5, 7, 3]);
    other.loadStateDict(restored.tensors);
    const x = randn([2, 5]);
    expect(Array.from(other.forward(x).data)).toEqual(Array.from(model.forward(x).data));
  });

  test("names are ordered by UTF-8 bytes, as the reference implementation orders them", () => {
    const file = serializeSafetensors({
      "\u{1F600}": tensor([1]),
      "\uFFFD": tensor([2]),
      b: tensor([3]),
      B: tensor([4]),
    });
    const text = new TextDecoder().decode(file.subarray(8));
    const order = ["B", "b", "\uFFFD", "\u{1F600}"].map((n) => text.indexOf(JSON.stringify(n)));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    const { tensors } = deserializeSafetensors(file);
    expect(tensors["\u{1F600}"]!.item()).toBe(1);
  });

  test("a tensor named __proto__ is an ordinary entry", () => {
    // A computed key makes an own property (a literal __proto__: would set the prototype).
    const file = serializeSafetensors({ ["__proto__"]: tensor([1]) });
    const { tensors } = deserializeSafetensors(file);
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  test("half floats, bfloat16 and small or 64-bit integers are read into tensortape's dtypes", () => {
    const header =
      '{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},' +
      '"bf":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},' +
      '"n":{"dtype":"I64","shape":[2],"data_offsets":[12,28]},' +
      '"u":{"dtype":"U8","shape":[1],"data_offsets":[28,29]}}';
    const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
    const file = bytes(
      [padded.length, 0, 0, 0, 0, 0, 0, 0],
      ascii(padded),
      [0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c, 0x01, 0x00], // F16: 1, −2, +∞, 2⁻²⁴
      [0x80, 0x3f, 0x40, 0xc0], // BF16: 1, −3
      [5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // I64: 5, −1
      [200], // U8
    );
    const { tensors } = deserializeSafetensors(file);
    expect([tensors.h!.dtype, tensors.h!.toArray()]).toEqual([
      "float32",
      [1, -2, Number.POSITIVE_INFINITY, 2 ** -24],
    ]);
    expect(tensors.bf!.toArray()).toEqual([1, -3]);
    expect([tensors.n!.dtype, tensors.n!.toArray()]).toEqual(["int32", [5, -1]]);
    expect(tensors.u!.toArray()).toEqual([200]);
  });

  test("files by path, through the Node entry", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tensortape-nn-"));
    try {
      const path = join(dir, "model.safetensors");
      const model = new Dense(3, 2);
      await saveSafetensors(path, model.stateDict(), { epoch: "4" });
      expect(new Uint8Array(await readFile(path))).toEqual(
        serializeSafetensors(model.stateDict(), { epoch: "4" }),
      );
      const { tensors, metadata } = await loadSafetensors(path);
      expect(metadata).toEqual({ epoch: "4" });
      expect(Array.from(tensors.weight!.data)).toEqual(Array.from(model.weight.data));
      await writeFile(path, FIXED_FILE.subarray(0, 100));
      await expect(loadSafetensors(path)).rejects.toThrow(`(file ${path})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("corrupt and truncated files fail clearly", () => {
  const withHeader = (header: string, data: number[] = []) => {
    const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
    return bytes([padded.length, 0, 0, 0, 0, 0, 0, 0], ascii(padded), data);
  };
  const fails = (file: Uint8Array, message: string) => {
    expect(() => deserializeSafetensors(file)).toThrow(SafetensorsError);
    expect(() => deserializeSafetensors(file)).toThrow(message);
  };

  test("truncation anywhere", () => {
    fails(
      FIXED_FILE.subarray(0, 5),
      "deserializeSafetensors: the file is 5 bytes, too short for the 8-byte header length (truncated?)",
    );
    fails(
      FIXED_FILE.subarray(0, 100),
      "the header length 264 runs past the end of the 100-byte file (truncated?)",
    );
    fails(
      FIXED_FILE.subarray(0, FIXED_FILE.length - 1),
      "the header describes 23 bytes of data but the file holds 22 (truncated?)",
    );
    fails(bytes(Array.from(FIXED_FILE), [0]), "the file has 1 bytes after the last tensor");
  });

  test("a header that is not a header", () => {
    fails(
      bytes([0, 0, 0, 0, 1, 0, 0, 0], ascii("{}")),
      "exceeds the format's limit of 100000000 bytes",
    );
    fails(bytes([2, 0, 0, 0, 0, 0, 0, 0], [0xc3, 0x28]), "the header is not valid UTF-8");
    fails(withHeader('{"a":'), "the header is not valid JSON");
    fails(withHeader("[1, 2]"), "the header must be a JSON object");
    fails(withHeader('{"__metadata__":{"k":1}}'), '__metadata__ value "k" must be a string; got 1');
  });

  test("bad entries name the tensor", () => {
    fails(
      withHeader('{"w":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'unknown dtype "F7"',
    );
    fails(
      withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'shape must hold non-negative integers below 2^64 written without a fraction or exponent; got -1 (tensor "w")',
    );
    fails(
      withHeader('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8 (tensor "w")',
    );
    fails(
      withHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}', [0, 0, 0, 0]),
      "data_offsets must be two non-negative integers",
    );
    fails(
      withHeader(
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}',
        [0, 0, 0],
      ),
      'data_offsets start at 2, leaving a gap after byte 1 (tensor "b")',
    );
    fails(
      withHeader(
        '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
        [0, 0],
      ),
      "overlapping the tensor before",
    );
    fails(
      withHeader('{"u":{"dtype":"U32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0x80]),
      'U32 value 2147483648 at flat index 0 does not fit in int32, tensortape\'s integer dtype (it would wrap) (tensor "u")',
    );
    fails(
      withHeader(
        '{"c":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}',
        [0, 0, 0, 0, 0, 0, 0, 0],
      ),
      'dtype C64 cannot be read: complex numbers have no tensortape dtype (tensor "c")',
    );
    fails(
      withHeader(
        '{"n":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}',
        [0, 0, 0, 0, 1, 0, 0, 0],
      ),
      "I64 value 4294967296 at flat index 0 does not fit in int32",
    );
  });

  test("a corrupt file never reaches the model; a mismatching one never half-loads it", () => {
    const model = new Sequential(new Dense(2, 1));
    const before = Array.from(model.stateDict()["0.weight"]!.data);
    const corrupt = FIXED_FILE.slice();
    corrupt[8] = 0x5b; // "[" instead of "{"
    expect(() => model.loadStateDict(deserializeSafetensors(corrupt).tensors)).toThrow(
      SafetensorsError,
    );
    const other = serializeSafetensors({ "0.weight": tensor([[9, 9]]), "0.bias": tensor([1, 2]) });
    expect(() => model.loadStateDict(deserializeSafetensors(other).tensors)).toThrow(
      StateDictError,
    );
    expect(Array.from(model.stateDict()["0.weight"]!.data)).toEqual(before);
  });

  test("writing: reserved names and non-string metadata", () => {
    expect(() => serializeSafetensors({ __metadata__: tensor([1]) })).toThrow(ValueError);
    expect(() => serializeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(
      'serializeSafetensors: metadata values must be strings; "epoch" is a number',
    );
  });
});

/** A file from a header string (padded to a multiple of 8 with spaces) and data bytes. */
function fileOf(header: string, data: number[] = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  out.set(data, 8 + padded);
  return out;
}

/** The error deserializing `file` throws (failing the test if it throws none). */
function errorOf(file: Uint8Array): unknown {
  try {
    deserializeSafetensors(file);
  } catch (e) {
    return e;
  }
  throw new Error("expected deserializeSafetensors to throw");
}

describe("files an attacker would write", () => {
  const deep = "[".repeat(5000) + "]".repeat(5000);
  test.each([
    ["shape", `{"a":{"dtype":"U8","shape":${deep},"data_offsets":[0,0]}}`],
    ["dtype", `{"a":{"dtype":${deep},"shape":[0],"data_offsets":[0,0]}}`],
    ["data_offsets", `{"a":{"dtype":"U8","shape":[0],"data_offsets":${deep}}}`],
  ])("%s nested 5,000 deep is a SafetensorsError, not a stack overflow", (_, header) => {
    const file = fileOf(header);
    expect(file.length).toBeGreaterThan(10_000);
    const error = errorOf(file);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toContain("more than 127 nested arrays and objects");
  });

  const E = '"dtype":"U8","shape":[1],"data_offsets":[0,1]';
  test.each([
    [
      "__metadata__ twice",
      '{"__metadata__":{},"__metadata__":{}}',
      [],
      "__metadata__ appears twice",
    ],
    [
      "an offset written 1.0",
      `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}`,
      [7],
      "got 1.0",
    ],
    [
      "an offset written 1e0",
      `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1e0]}}`,
      [7],
      "got 1e0",
    ],
    [
      "a dimension written -0",
      `{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}`,
      [],
      "got -0",
    ],
    ["a lone leading surrogate in a name", `{"\\ud800":{${E}}}`, [7], "lone leading surrogate"],
    ["a lone trailing surrogate in a name", `{"\\udc00":{${E}}}`, [7], "lone trailing surrogate"],
  ])("refused as the reference refuses it: %s", (_, header, data, message) => {
    const error = errorOf(fileOf(header, data));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toContain(message);
  });

  test("a UTF-8 byte-order mark before the header is refused, as the reference refuses it", () => {
    const file = fileOf(`\uFEFF{"a":{${E}}}`, [7]);
    expect(Array.from(file.subarray(8, 11))).toEqual([0xef, 0xbb, 0xbf]);
    expect(errorOf(file)).toBeInstanceOf(SafetensorsError);
    expect(deserializeSafetensors(fileOf(`{"a":{${E}}}`, [7])).tensors.a!.toArray()).toEqual([7]);
  });

  test('"__metadata__": null is read as no metadata, as the reference reads it', () => {
    expect(deserializeSafetensors(fileOf('{"__metadata__":null}'))).toEqual({
      tensors: {},
      metadata: {},
    });
  });

  test("a repeated name keeps its last entry; a repeated metadata key its last value", () => {
    const { tensors, metadata } = deserializeSafetensors(
      fileOf(
        `{"__metadata__":{"k":"1","k":"2"},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{${E}}}`,
        [9],
      ),
    );
    expect(tensors.a!.toArray()).toEqual([9]);
    expect(metadata).toEqual({ k: "2" });
  });

  test("the reference's serde quirks: an entry as an array, a dtype as a one-entry object", () => {
    const { tensors } = deserializeSafetensors(
      fileOf(
        '{"a":["U8",[1],[0,1]],"b":{"dtype":{"I8":null},"shape":[1],"data_offsets":[1,2]}}',
        [5, 0xff],
      ),
    );
    expect([tensors.a!.toArray(), tensors.b!.toArray()]).toEqual([[5], [-1]]);
  });
});

describe("64-bit and unsigned integers load as int32 only when they fit", () => {
  const I64 = (values: bigint[]) => Array.from(new Uint8Array(new BigInt64Array(values).buffer));
  const header = (dtype: string, n: number, size: number) =>
    `{"big":{"dtype":"${dtype}","shape":[${n}],"data_offsets":[0,${n * size}]}}`;

  test("values at int32's limits load exactly", () => {
    const file = fileOf(header("I64", 3, 8), I64([-(2n ** 31n), 2n ** 31n - 1n, -1n]));
    expect(deserializeSafetensors(file).tensors.big!.toArray()).toEqual([
      -(2 ** 31),
      2 ** 31 - 1,
      -1,
    ]);
  });

  test.each([
    ["I64", 2n ** 31n, "I64 value 2147483648 at flat index 1"],
    ["I64", -(2n ** 31n) - 1n, "I64 value -2147483649 at flat index 1"],
    ["I64", -(2n ** 63n), "I64 value -9223372036854775808 at flat index 1"],
    ["U64", 2n ** 64n - 1n, "U64 value 18446744073709551615 at flat index 1"],
    ["U64", 2n ** 31n, "U64 value 2147483648 at flat index 1"],
  ])(
    "%s %s throws, naming the dtype, value and tensor, instead of wrapping",
    (dtype, value, message) => {
      const file = fileOf(header(dtype, 2, 8), I64([0n, BigInt.asIntN(64, value)]));
      const error = errorOf(file) as SafetensorsError;
      expect(error).toBeInstanceOf(SafetensorsError);
      expect(error.tensor).toBe("big");
      expect(error.message).toContain(`${message} does not fit in int32`);
    },
  );
});

/** The bit patterns of a float32 tensor's data, read in place (a copy could alter NaNs). */
const bitsOf = (data: TypedArray) => {
  expect(data).toBeInstanceOf(Float32Array);
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
};

describe("decoding is exact", () => {
  test("every one of the 65,536 half floats, against IEEE 754's formula", () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const file = fileOf(
      '{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}',
      Array.from(new Uint8Array(halves.buffer)),
    );
    const got = deserializeSafetensors(file).tensors.h!.data as Float32Array;
    const bits = new Uint32Array(got.buffer, got.byteOffset, got.length);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >> 10) & 0x1f;
      const fraction = h & 0x3ff;
      if (exponent === 0x1f && fraction !== 0) {
        // NaN: sign and payload kept, the payload moved to the top of float32's fraction.
        if (bits[h] !== (((h & 0x8000) << 16) | 0x7f800000 | (fraction << 13)) >>> 0) {
          expect.fail(`half 0x${h.toString(16)}: got bits 0x${bits[h]!.toString(16)}`);
        }
        continue;
      }
      const expected =
        exponent === 0x1f
          ? sign * Number.POSITIVE_INFINITY
          : exponent === 0
            ? sign * 2 ** -14 * (fraction / 1024)
            : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
      if (!Object.is(got[h], expected))
        expect.fail(`half 0x${h.toString(16)}: got ${got[h]}, expected ${expected}`);
    }
  });

  test("BF16 is the top half of a float32's bits, NaN payloads included", () => {
    const words = [0x0001, 0x3f80, 0xc040, 0x7f80, 0xff81, 0x7fc1];
    const file = fileOf(
      '{"b":{"dtype":"BF16","shape":[6],"data_offsets":[0,12]}}',
      Array.from(new Uint8Array(new Uint16Array(words).buffer)),
    );
    expect(bitsOf(deserializeSafetensors(file).tensors.b!.data)).toEqual(
      words.map((w) => (w << 16) >>> 0),
    );
  });
});

describe("the reference implementation's verdicts (fixtures/safetensors/reference.py)", () => {
  interface Case {
    name: string;
    file: string;
    note?: string;
    ok: boolean;
    tensors?: Record<string, { dtype: string; shape: string[]; values?: string[] }>;
    metadata?: Record<string, string>;
  }
  interface Written {
    name: string;
    tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
    metadata: Record<string, string>;
    file: string;
  }
  const fixture = JSON.parse(
    readFileSync(new URL("./fixtures/safetensors/reference.json", import.meta.url), "utf8"),
  ) as { cases: Case[]; written: Written[] };
  const decode = (base64: string) => new Uint8Array(Buffer.from(base64, "base64"));
  const FLOAT32 = new Set([
    "F16",
    "BF16",
    "F32",
    "F8_E4M3",
    "F8_E5M2",
    "F8_E4M3FNUZ",
    "F8_E5M2FNUZ",
    "F8_E8M0",
  ]);
  const INT32_RANGE = (v: string) => BigInt(v) >= -(2n ** 31n) && BigInt(v) < 2n ** 31n;

  test("the fixture covers what the task lists", () => {
    expect(fixture.cases.length).toBeGreaterThan(150);
    expect(fixture.cases.filter((c) => c.ok).length).toBeGreaterThan(50);
  });

  test.each(fixture.cases.filter((c) => !c.ok).map((c) => [c.name, c] as const))(
    "refused by both: %s",
    (_, c) => {
      const file = decode(c.file);
      expect(() => readSafetensorsHeader(file)).toThrow(SafetensorsError);
      expect(errorOf(file)).toBeInstanceOf(SafetensorsError);
    },
  );

  test.each(fixture.cases.filter((c) => c.ok).map((c) => [c.name, c] as const))(
    "read by both alike: %s",
    (_, c) => {
      const file = decode(c.file);
      const expected = Object.entries(c.tensors!);
      if (
        expected.some(([, t]) => t.shape.some((d) => BigInt(d) > BigInt(Number.MAX_SAFE_INTEGER)))
      ) {
        // The one documented divergence: a shape tensortape cannot hold exactly.
        expect(c.note).toContain("2^53 - 1");
        expect(() => readSafetensorsHeader(file)).toThrow(
          /above 2\^53 - 1, the largest a shape can hold/,
        );
        return;
      }
      const header = readSafetensorsHeader(file);
      expect(header.metadata).toEqual(c.metadata);
      expect(Object.keys(header.tensors).sort()).toEqual(expected.map(([n]) => n).sort());
      for (const [name, t] of expected) {
        expect([header.tensors[name]!.dtype, header.tensors[name]!.shape]).toEqual([
          t.dtype,
          t.shape.map(Number),
        ]);
      }
      // Where tensortape cannot hold what the reference reads, a SafetensorsError says why.
      const unreadable = expected.some(([, t]) => t.values === undefined);
      const tooWide = expected.some(
        ([, t]) => /^[IU](32|64)$/.test(t.dtype) && !t.values!.every(INT32_RANGE),
      );
      const tooLong = expected.some(([, t]) => t.shape.some((d) => Number(d) > 2 ** 31 - 1));
      if (unreadable || tooWide || tooLong) {
        const error = errorOf(file) as SafetensorsError;
        expect(error).toBeInstanceOf(SafetensorsError);
        expect(error.message).toMatch(
          unreadable
            ? /cannot be read: /
            : tooWide
              ? /does not fit in int32/
              : /cannot be a tensor here: .*dimension too large/,
        );
        return;
      }
      const { tensors, metadata } = deserializeSafetensors(file);
      expect(metadata).toEqual(c.metadata);
      for (const [name, t] of expected) {
        const got = tensors[name]!;
        expect(got.shape).toEqual(t.shape.map(Number));
        const values = t.values!;
        if (FLOAT32.has(t.dtype)) {
          expect(got.dtype).toBe("float32");
          const bits = bitsOf(got.data);
          // torch gives FP8 NaNs odd bit patterns of its own; only NaN-ness is compared there.
          const nan = (hex: string) =>
            Number.isNaN(new Float32Array(new Uint32Array([Number.parseInt(hex, 16)]).buffer)[0]);
          const comparable = (hex: string, i: number) =>
            t.dtype.startsWith("F8") && nan(hex)
              ? nan(bits[i]!.toString(16))
                ? hex
                : "not NaN"
              : bits[i]!.toString(16).padStart(8, "0");
          expect(values.map((hex, i) => comparable(hex, i))).toEqual(values);
        } else if (t.dtype === "F64") {
          expect(got.dtype).toBe("float64");
          expect(Array.from(got.data).map(String)).toEqual(values.map((v) => String(Number(v))));
        } else {
          expect(got.dtype).toBe(t.dtype === "BOOL" ? "bool" : "int32");
          expect(Array.from(got.data)).toEqual(values.map(Number));
        }
      }
    },
  );

  test.each(fixture.written.map((w) => [w.name, w] as const))(
    "the writer writes what the reference writes, byte for byte: %s",
    (_, w) => {
      const DTYPE = { F32: "float32", F64: "float64", I32: "int32", BOOL: "bool" } as const;
      const tensors = Object.fromEntries(
        Object.entries(w.tensors).map(([name, t]) => [
          name,
          tensor(t.values, { shape: t.shape, dtype: DTYPE[t.dtype as keyof typeof DTYPE] }),
        ]),
      );
      const bytes = serializeSafetensors(tensors, w.metadata);
      expect(Buffer.from(bytes).toString("base64")).toBe(w.file);
      expect(deserializeSafetensors(bytes).metadata).toEqual(w.metadata);
    },
  );

  test("the writer refuses strings the reference could not read back", () => {
    expect(() => serializeSafetensors({ "a\uD800": tensor([1]) })).toThrow(
      'serializeSafetensors: tensor name "a\\ud800" holds a lone UTF-16 surrogate',
    );
    expect(() => serializeSafetensors({}, { k: "\uDC00" })).toThrow(ValueError);
    expect(() => serializeSafetensors({}, { "\uDC00": "v" })).toThrow(ValueError);
    expect(() => serializeSafetensors({ "\u{1F600}": tensor([1]) })).not.toThrow();
  });
});
