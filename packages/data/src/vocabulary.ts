import { Tensor, ValueError } from "@tensortape/core";
import { formatValue } from "./format-value.js";

/** A character as messages show it: JSON-quoted (so "\n" is visible) with its code point. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `${JSON.stringify(char)} (U+${code})`;
}

/**
 * A character that the vocabulary does not have, met by `encode`. `position` counts
 * characters (code points) from the start of the text, as the encoded ids do.
 * @example
 * try {
 *   vocab.encode("héllo");
 * } catch (e) {
 *   if (e instanceof UnknownCharacterError) console.log(e.character, e.position); // "é" 1
 * }
 */
export class UnknownCharacterError extends ValueError {
  override name = "UnknownCharacterError";
  constructor(
    op: string,
    /** The character the vocabulary lacks. */
    readonly character: string,
    /** Its index in the encoded string, in code points. */
    readonly position: number,
    /** How many characters the vocabulary has. */
    readonly vocabularySize: number,
  ) {
    super(
      op,
      `unknown character ${describeCharacter(character)} at position ${position}; the vocabulary has ${vocabularySize} characters`,
      "build the vocabulary from text that holds every character, e.g. CharVocabulary.fromText(all of the text)",
    );
  }
}

/** What `CharVocabulary.toJSON` returns and `CharVocabulary.fromJSON` reads. */
export interface CharVocabularyJSON {
  /** The characters in id order. */
  readonly chars: readonly string[];
}

/** The characters of `text`, each code point once (a surrogate pair is one character). */
function codePoints(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/**
 * A character-level vocabulary: id i stands for the i-th character, as in the usual
 * character-level GPT (`chars = sorted(set(text))`; stoi and itos). Characters are code points,
 * so an emoji made of a surrogate pair is one character.
 * text → ids: Int32Array [characters]
 * @example
 * const vocab = CharVocabulary.fromText("hello world");
 * vocab.size; // 8: " ", "d", "e", "h", "l", "o", "r", "w"
 * vocab.encode("hello"); // Int32Array [3, 2, 4, 4, 5]
 * vocab.decode([3, 5, 6]); // "hor"
 */
export class CharVocabulary {
  /** The characters in id order. */
  readonly chars: readonly string[];
  readonly #ids: Map<number, number>;

  /** A vocabulary of the given characters in this order; each must be one code point, once. */
  constructor(chars: readonly string[]) {
    if (!Array.isArray(chars)) {
      throw new ValueError(
        "CharVocabulary",
        `chars must be an array of characters; got ${formatValue(chars)}`,
      );
    }
    const ids = new Map<number, number>();
    chars.forEach((char, id) => {
      if (typeof char !== "string" || codePoints(char).length !== 1) {
        throw new ValueError(
          "CharVocabulary",
          `chars[${id}] must be a single character; got ${typeof char === "string" ? JSON.stringify(char) : formatValue(char)}`,
        );
      }
      const cp = char.codePointAt(0)!;
      const previous = ids.get(cp);
      if (previous !== undefined) {
        throw new ValueError(
          "CharVocabulary",
          `the character ${describeCharacter(char)} appears twice, at ${previous} and ${id}`,
        );
      }
      ids.set(cp, id);
    });
    this.chars = Object.freeze([...chars]);
    this.#ids = ids;
  }

  /**
   * The vocabulary of every character in `text`, sorted by code point (Python's
   * `sorted(set(text))`).
   * @example CharVocabulary.fromText("banana").chars // ["a", "b", "n"]
   */
  static fromText(text: string): CharVocabulary {
    if (typeof text !== "string") {
      throw new ValueError(
        "CharVocabulary.fromText",
        `text must be a string; got ${formatValue(text)}`,
      );
    }
    const unique = [...new Set(codePoints(text))].sort((a, b) => a - b);
    return new CharVocabulary(unique.map((cp) => String.fromCodePoint(cp)));
  }

  /**
   * Reads what `toJSON` wrote: the object, or its JSON text (as a checkpoint's string
   * metadata carries it).
   * @example CharVocabulary.fromJSON(JSON.stringify(vocab)).size === vocab.size // true
   */
  static fromJSON(json: CharVocabularyJSON | string): CharVocabulary {
    let value: unknown = json;
    if (typeof json === "string") {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new ValueError(
          "CharVocabulary.fromJSON",
          `the text is not JSON (${(error as Error).message})`,
        );
      }
    }
    const chars = (value as { chars?: unknown } | null)?.chars;
    if (value === null || typeof value !== "object" || !Array.isArray(chars)) {
      throw new ValueError(
        "CharVocabulary.fromJSON",
        'expected an object { "chars": [...] }, as toJSON writes',
      );
    }
    return new CharVocabulary(chars as string[]);
  }

  /** The number of characters (ids 0 to size − 1). */
  get size(): number {
    return this.chars.length;
  }

  /**
   * The id of each character of `text`; a character outside the vocabulary throws an
   * `UnknownCharacterError` naming it and its position.
   */
  encode(text: string): Int32Array {
    if (typeof text !== "string") {
      throw new ValueError(
        "CharVocabulary.encode",
        `text must be a string; got ${formatValue(text)}`,
      );
    }
    const out = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; n++) {
      const cp = text.codePointAt(i)!;
      const id = this.#ids.get(cp);
      if (id === undefined) {
        throw new UnknownCharacterError(
          "CharVocabulary.encode",
          String.fromCodePoint(cp),
          n,
          this.size,
        );
      }
      out[n] = id;
      i += cp > 0xffff ? 2 : 1;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /**
   * The text of `ids` (an array, a typed array, or a tensor of any shape, read in order); an id
   * that is not an integer in [0, size) throws, naming it and its position.
   */
  decode(ids: ArrayLike<number> | Tensor): string {
    const values = ids instanceof Tensor ? ids.data : ids;
    if (values === null || typeof values !== "object" || typeof values.length !== "number") {
      throw new ValueError(
        "CharVocabulary.decode",
        `ids must be an array of integers or a tensor; got ${formatValue(ids)}`,
      );
    }
    const parts = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) {
      const id = values[i]!;
      const char = Number.isInteger(id) ? this.chars[id] : undefined;
      if (char === undefined) {
        throw new ValueError(
          "CharVocabulary.decode",
          `id ${formatValue(id)} at position ${i} is not in the vocabulary; ${this.size === 0 ? "the vocabulary is empty" : `ids run from 0 to ${this.size - 1}`}`,
        );
      }
      parts[i] = char;
    }
    return parts.join("");
  }

  /** The characters in id order, for `JSON.stringify` and `fromJSON`. */
  toJSON(): CharVocabularyJSON {
    return { chars: [...this.chars] };
  }
}
