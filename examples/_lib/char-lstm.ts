// A character-level LSTM language model, the char-gpt example's `--model lstm`: the recurrent
// baseline the GPT is measured against, on the same data, loss and sampling.
import type { Tensor } from "@tensortape/core";
import { Embedding, Linear, LSTM, Module } from "@tensortape/nn";

/** The shape of a CharLSTM. */
export interface CharLSTMConfig {
  /** Distinct tokens (characters). */
  readonly vocabSize: number;
  /** The embedding size and the LSTM's hidden size. */
  readonly width: number;
  /** Stacked LSTM layers. */
  readonly layers: number;
  /** Dropout between the LSTM layers, in training mode. */
  readonly dropout: number;
}

/**
 * Embedding, a stacked LSTM reading the sequence left to right from a zero state, and a
 * linear head: the logits of the next token at every position. Each position sees only the
 * tokens up to its own, as the GPT's causal attention does.
 * tokens: [B, T] int32 → logits [B, T, vocabSize]
 */
export class CharLSTM extends Module {
  embedding: Embedding;
  lstm: LSTM;
  head: Linear;
  readonly config: CharLSTMConfig;

  constructor(config: CharLSTMConfig) {
    super();
    this.config = config;
    this.embedding = new Embedding(config.vocabSize, config.width);
    this.lstm = new LSTM(config.width, config.width, {
      numLayers: config.layers,
      batchFirst: true,
      dropout: config.layers > 1 ? config.dropout : 0,
    });
    this.head = new Linear(config.width, config.vocabSize);
  }

  override forward(tokens: Tensor): Tensor {
    const [output] = this.lstm.forward(this.embedding.forward(tokens)); // [B, T, width]
    return this.head.forward(output);
  }
}
