import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randn, tensor, ValueError } from "@tensortape/core";
import {
  Dense,
  deserializeSafetensors,
  MLP,
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
    fails(withHeader('{"__metadata__":{"k":1}}'), '__metadata__ value "k" is not a string');
  });

  test("bad entries name the tensor", () => {
    fails(
      withHeader('{"w":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'unknown dtype "F7"',
    );
    fails(
      withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'shape must be a list of non-negative integers; got [-1] (tensor "w")',
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
      withHeader('{"u":{"dtype":"U32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      "dtype U32 cannot be read",
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
