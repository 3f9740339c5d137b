import { OptionError, ShapeError, tensor, ValueError } from "@tensortape/core";
import {
  CharVocabulary,
  DataLoader,
  splitTokens,
  TextWindowDataset,
  UnknownCharacterError,
} from "@tensortape/data";
import { describe, expect, test } from "vitest";

/** The error `f` throws. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("CharVocabulary", () => {
  test("fromText: the sorted unique characters, ids in that order", () => {
    const vocab = CharVocabulary.fromText("hello world");
    expect(vocab.chars).toEqual([" ", "d", "e", "h", "l", "o", "r", "w"]);
    expect(vocab.size).toBe(8);
    // h=3, e=2, l=4, l=4, o=5
    expect(Array.from(vocab.encode("hello"))).toEqual([3, 2, 4, 4, 5]);
    expect(vocab.decode([3, 5, 6])).toBe("hor");
    expect(vocab.decode(vocab.encode("world hello"))).toBe("world hello");
  });

  test("sorts by code point, as Python's sorted(set(text)), and keeps surrogate pairs whole", () => {
    // "\uFF41" (fullwidth a) sorts before "😀" (U+1F600) by code point, though not by UTF-16 unit.
    const text = "b😀a\uFF41\n😀";
    const vocab = CharVocabulary.fromText(text);
    expect(vocab.chars).toEqual(["\n", "a", "b", "\uFF41", "😀"]);
    const ids = vocab.encode(text);
    expect(Array.from(ids)).toEqual([2, 4, 1, 3, 0, 4]);
    expect(vocab.decode(ids)).toBe(text);
  });

  test("decodes tensors and typed arrays", () => {
    const vocab = CharVocabulary.fromText("abc");
    expect(
      vocab.decode(
        tensor(
          [
            [2, 1],
            [0, 0],
          ],
          { dtype: "int32" },
        ),
      ),
    ).toBe("cbaa");
    expect(vocab.decode(Int32Array.of(1))).toBe("b");
    expect(vocab.decode([])).toBe("");
  });

  test("an unknown character is a typed error naming it and its position", () => {
    const vocab = CharVocabulary.fromText("helo wrd");
    const error = thrown(() => vocab.encode("hello\tworld")) as UnknownCharacterError;
    expect(error).toBeInstanceOf(UnknownCharacterError);
    expect(error).toBeInstanceOf(ValueError);
    expect([error.character, error.position, error.vocabularySize]).toEqual(["\t", 5, 8]);
    expect(error.message).toBe(
      'CharVocabulary.encode: unknown character "\\t" (U+0009) at position 5; the vocabulary has 8 characters' +
        "\nhint: build the vocabulary from text that holds every character, e.g. CharVocabulary.fromText(all of the text)",
    );
    // Positions count characters, so a surrogate pair before it counts once.
    const emoji = CharVocabulary.fromText("a😀");
    expect((thrown(() => emoji.encode("😀a?")) as UnknownCharacterError).position).toBe(2);
  });

  test("ids outside the vocabulary are errors naming the id and its position", () => {
    const vocab = CharVocabulary.fromText("abc");
    expect(() => vocab.decode([0, 3])).toThrow(
      "CharVocabulary.decode: id 3 at position 1 is not in the vocabulary; ids run from 0 to 2",
    );
    expect(() => vocab.decode([-1])).toThrow("id -1 at position 0");
    expect(() => vocab.decode([0.5])).toThrow("id 0.5 at position 0");
  });

  test("round-trips through JSON, as a checkpoint's metadata carries it", () => {
    const vocab = CharVocabulary.fromText("To be, or not to be:\nthat is the question.");
    const text = JSON.stringify(vocab);
    expect(JSON.parse(text)).toEqual({ chars: [...vocab.chars] });
    for (const restored of [
      CharVocabulary.fromJSON(text),
      CharVocabulary.fromJSON(vocab.toJSON()),
    ]) {
      expect(restored.chars).toEqual(vocab.chars);
      expect(Array.from(restored.encode("question"))).toEqual(Array.from(vocab.encode("question")));
    }
  });

  test("rejects malformed vocabularies", () => {
    expect(() => CharVocabulary.fromJSON("{")).toThrow(
      "CharVocabulary.fromJSON: the text is not JSON",
    );
    expect(() => CharVocabulary.fromJSON({ characters: [] } as never)).toThrow(
      'CharVocabulary.fromJSON: expected an object { "chars": [...] }, as toJSON writes',
    );
    expect(() => new CharVocabulary(["a", "bc"])).toThrow(
      'CharVocabulary: chars[1] must be a single character; got "bc"',
    );
    expect(() => new CharVocabulary(["a", "b", "a"])).toThrow(
      'CharVocabulary: the character "a" (U+0061) appears twice, at 0 and 2',
    );
    expect(() => CharVocabulary.fromText(42 as never)).toThrow(ValueError);
  });
});

describe("TextWindowDataset", () => {
  const tokens = Int32Array.from({ length: 10 }, (_, i) => 100 + i);

  test("example i is a window and the same window shifted by one token", () => {
    const data = new TextWindowDataset(tokens, 4);
    // Starts 0..5: the last window [105..108] still has its next token 109.
    expect(data.length).toBe(6);
    const { x, y } = data.get(5);
    expect([x.dtype, y.dtype]).toEqual(["int32", "int32"]);
    expect(x.toArray()).toEqual([105, 106, 107, 108]);
    expect(y.toArray()).toEqual([106, 107, 108, 109]);
  });

  test("stride: windows that start stride tokens apart", () => {
    const data = new TextWindowDataset(tokens, 4, { stride: 4 });
    // Starts 0 and 4; 8 + 4 would need token 12.
    expect(data.length).toBe(2);
    expect(data.get(1).x.toArray()).toEqual([104, 105, 106, 107]);
    expect(new TextWindowDataset(tokens, 9, { stride: 3 }).length).toBe(1);
    expect(new TextWindowDataset(tokens, 3, { stride: 3 }).length).toBe(3);
  });

  test("DataLoader batches it into x and y [B, T] int32", () => {
    const data = new TextWindowDataset(Array.from(tokens), 3);
    const batches = [...new DataLoader(data, { batchSize: 4 })];
    expect(batches.map((b) => b.x.shape)).toEqual([
      [4, 3],
      [3, 3],
    ]);
    expect(batches[0]!.x.dtype).toBe("int32");
    expect(batches[1]!.x.toArray()).toEqual([
      [104, 105, 106],
      [105, 106, 107],
      [106, 107, 108],
    ]);
    expect(batches[1]!.y.toArray()).toEqual([
      [105, 106, 107],
      [106, 107, 108],
      [107, 108, 109],
    ]);
    // Shuffled, every window still comes once per epoch.
    const shuffled = [...new DataLoader(data, { batchSize: 3, shuffle: true, seed: 1 })];
    const starts = shuffled.flatMap((b) => (b.x.toArray() as number[][]).map((row) => row[0]));
    expect(starts.sort()).toEqual([100, 101, 102, 103, 104, 105, 106]);
  });

  test("takes an int32 tensor, and examples are copies", () => {
    const data = new TextWindowDataset(tensor(tokens, { shape: [10], dtype: "int32" }), 2);
    const { x } = data.get(0);
    x.data[0] = -1;
    expect(data.get(0).x.toArray()).toEqual([100, 101]);
  });

  test("typed errors for bad arguments", () => {
    expect(() => new TextWindowDataset(tokens, 10)).toThrow(
      "TextWindowDataset: a window of contextLength 10 and its next tokens need at least 11 tokens; got 10",
    );
    expect(() => new TextWindowDataset(tokens, 0)).toThrow(
      "TextWindowDataset: contextLength must be a positive integer; got 0",
    );
    expect(() => new TextWindowDataset(tokens, 2, { stride: 1.5 })).toThrow(
      "TextWindowDataset: stride must be a positive integer; got 1.5",
    );
    const option = thrown(() => new TextWindowDataset(tokens, 2, { strides: 2 } as never));
    expect(option).toBeInstanceOf(OptionError);
    expect(option.message).toContain('did you mean "stride"?');
    expect(() => new TextWindowDataset([1, 2, -3, 4], 2)).toThrow(
      "TextWindowDataset: tokens must be non-negative integers; got -3 at position 2",
    );
    expect(() => new TextWindowDataset(Int32Array.of(1, -2, 3), 1)).toThrow("got -2 at position 1");
    const shape = thrown(() => new TextWindowDataset(tensor([1, 2, 3]), 1));
    expect(shape).toBeInstanceOf(ShapeError);
    expect(shape.message).toContain("tokens must be a 1-D int32 tensor; got a 1-D float32 tensor");
    expect(() => new TextWindowDataset(tokens, 2).get(9)).toThrow(
      "TextWindowDataset.get: index 9 is out of range for a data set of length 8",
    );
  });
});

describe("splitTokens", () => {
  test("the first ⌊f·N⌋ tokens to train on, the rest to validate on", () => {
    const tokens = Int32Array.from({ length: 10 }, (_, i) => i);
    const [train, validation] = splitTokens(tokens, 0.9);
    expect(Array.from(train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(validation)).toEqual([9]);
    // 0.29·100 is 28.999… in floating point: 28, as Python's int(0.29 * 100).
    expect(splitTokens(new Int32Array(100), 0.29)[0].length).toBe(28);
    expect(splitTokens([1, 2, 3], 0).map((p) => p.length)).toEqual([0, 3]);
    expect(splitTokens([1, 2, 3], 1).map((p) => p.length)).toEqual([3, 0]);
  });

  test("rejects a fraction outside [0, 1]", () => {
    expect(() => splitTokens([1, 2], 1.5)).toThrow(
      "splitTokens: trainFraction must be a number in [0, 1]; got 1.5",
    );
    expect(() => splitTokens([1, 2], "0.5" as never)).toThrow('got "0.5"');
  });
});
