import { checkOptions, ShapeError, Tensor, tensor, ValueError } from "@tensortape/core";
import { checkIndex, type Dataset, type Example } from "./dataset.js";
import { formatValue } from "./format-value.js";

/** Token ids as `TextWindowDataset` and `splitTokens` take them. */
export type Tokens = Int32Array | readonly number[] | Tensor;

/**
 * The tokens as an Int32Array (the same memory when they already are one, or an int32
 * tensor's), checked to be non-negative integers.
 */
function tokenArray(op: string, tokens: Tokens): Int32Array {
  let ids: Int32Array;
  if (tokens instanceof Tensor) {
    if (tokens.rank !== 1 || tokens.dtype !== "int32") {
      throw new ShapeError(
        op,
        `tokens must be a 1-D int32 tensor; got a ${tokens.rank}-D ${tokens.dtype} tensor`,
        { tokens: tokens.shape },
      );
    }
    ids = tokens.data as Int32Array;
  } else if (tokens instanceof Int32Array) {
    ids = tokens;
  } else if (Array.isArray(tokens)) {
    tokens.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t > 0x7fffffff) {
        throw new ValueError(
          op,
          `tokens must be non-negative integers; got ${formatValue(t)} at position ${i}`,
        );
      }
    });
    return Int32Array.from(tokens);
  } else {
    throw new ValueError(
      op,
      `tokens must be an Int32Array, an array of integers or a 1-D int32 tensor; got ${formatValue(tokens)}`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! < 0) {
      throw new ValueError(
        op,
        `tokens must be non-negative integers; got ${ids[i]} at position ${i}`,
      );
    }
  }
  return ids;
}

/** Options of `TextWindowDataset`. */
export interface TextWindowDatasetOptions {
  /**
   * Tokens between the starts of consecutive windows. Default 1: every window of the text, as
   * the usual character-level GPT samples them; `contextLength` gives windows that do not
   * overlap.
   */
  readonly stride?: number;
}

/**
 * Cuts a token sequence into language-modelling examples: example i is the window of
 * `contextLength` tokens starting at i·stride as x, and the same window shifted by one token
 * as y (the next token at every position). `DataLoader` batches it into x and y [B, T] int32;
 * a model's logits [B, T, vocab] go to `crossEntropy` with the class axis second, as in
 * PyTorch: `crossEntropy(logits.movedim(-1, 1), y)`.
 * tokens: [N] → examples x: [T], y: [T] int32, T = contextLength
 * @example
 * const vocab = CharVocabulary.fromText(text);
 * const data = new TextWindowDataset(vocab.encode(text), 64);
 * for (const { x, y } of new DataLoader(data, { batchSize: 32, shuffle: true })) {
 *   // x, y: [32, 64] int32; y[b, t] is the token after x[b, t]
 * }
 */
export class TextWindowDataset implements Dataset {
  /** The whole token sequence (shared, not copied, when given as an Int32Array or tensor). */
  readonly tokens: Int32Array;
  /** Tokens in each window, the length of x and of y. */
  readonly contextLength: number;
  /** Tokens between the starts of consecutive windows. */
  readonly stride: number;

  constructor(tokens: Tokens, contextLength: number, options: TextWindowDatasetOptions = {}) {
    checkOptions("TextWindowDataset", options, ["stride"]);
    const { stride = 1 } = options;
    for (const [name, value] of [
      ["contextLength", contextLength],
      ["stride", stride],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new ValueError(
          "TextWindowDataset",
          `${name} must be a positive integer; got ${formatValue(value)}`,
        );
      }
    }
    const ids = tokenArray("TextWindowDataset", tokens);
    if (ids.length < contextLength + 1) {
      throw new ValueError(
        "TextWindowDataset",
        `a window of contextLength ${contextLength} and its next tokens need at least ${contextLength + 1} tokens; got ${ids.length}`,
        "use a shorter contextLength or more text",
      );
    }
    this.tokens = ids;
    this.contextLength = contextLength;
    this.stride = stride;
  }

  /** The number of windows: every start s = i·stride with s + contextLength < tokens.length. */
  get length(): number {
    return Math.floor((this.tokens.length - this.contextLength - 1) / this.stride) + 1;
  }

  /** Window `index`: x = tokens[s, s + T), y = tokens[s + 1, s + T + 1), s = index·stride. */
  get(index: number): Example {
    checkIndex("TextWindowDataset.get", index, this.length);
    const start = index * this.stride;
    const t = this.contextLength;
    return {
      x: tensor(this.tokens.subarray(start, start + t), { shape: [t], dtype: "int32" }),
      y: tensor(this.tokens.subarray(start + 1, start + t + 1), { shape: [t], dtype: "int32" }),
    };
  }
}

/**
 * Splits a token sequence in two at `trainFraction` of its length: the first part to train
 * on, the rest to validate on (nanoGPT's `n = int(0.9 * len(data))`). The parts are views of
 * the tokens, not copies; the split is by position, not random, so no window straddles both.
 * tokens: [N] → [train [⌊f·N⌋], validation [N − ⌊f·N⌋]]
 * @example
 * const [train, validation] = splitTokens(vocab.encode(text), 0.9);
 */
export function splitTokens(tokens: Tokens, trainFraction: number): [Int32Array, Int32Array] {
  if (typeof trainFraction !== "number" || !(trainFraction >= 0 && trainFraction <= 1)) {
    throw new ValueError(
      "splitTokens",
      `trainFraction must be a number in [0, 1]; got ${formatValue(trainFraction)}`,
    );
  }
  const ids = tokenArray("splitTokens", tokens);
  const n = Math.floor(trainFraction * ids.length);
  return [ids.subarray(0, n), ids.subarray(n)];
}
