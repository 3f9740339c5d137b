// A small GPT (decoder-only transformer) for character-level language modelling, shared by the
// char-gpt example, its test and bench/gpt.ts. It follows nanoGPT's model.py: token and learned
// position embeddings, pre-norm blocks of causal self-attention and a GELU MLP, a final
// LayerNorm, and a linear head that may share its weight with the token embedding.
import { arange, gelu, packedAttention, type Tensor, ValueError } from "@tensortape/core";
import { Dropout, Embedding, init, LayerNorm, Linear, Module } from "@tensortape/nn";

/** The shape of a GPT. */
export interface GPTConfig {
  /** Distinct tokens (characters). */
  readonly vocabSize: number;
  /** The longest sequence it reads: the number of learned positions. */
  readonly contextLength: number;
  /** The embedding width, which every block keeps. */
  readonly width: number;
  /** Transformer blocks. */
  readonly layers: number;
  /** Attention heads per block; width must divide by it. */
  readonly heads: number;
  /** Dropout after the embeddings, on the attention weights and after each residual branch. */
  readonly dropout: number;
  /** The head reuses the token embedding's weight (fewer parameters, often a lower loss). */
  readonly tieWeights: boolean;
}

/**
 * Causal multi-head self-attention: one linear layer makes the queries, keys and values of
 * all heads at once, each head attends only to the positions before and at its own
 * (`isCausal`), and a second linear layer mixes the heads' outputs.
 * x: [B, T, C] → [B, T, C]
 */
export class CausalSelfAttention extends Module {
  qkv: Linear;
  proj: Linear;
  dropout: Dropout;
  readonly heads: number;
  readonly attentionDropout: number;

  constructor(width: number, heads: number, dropout: number) {
    super();
    if (width % heads !== 0) {
      throw new ValueError(
        "CausalSelfAttention",
        `width must be divisible by heads; got width ${width} and heads ${heads}`,
      );
    }
    this.qkv = new Linear(width, 3 * width);
    this.proj = new Linear(width, width);
    this.dropout = new Dropout(dropout);
    this.heads = heads;
    this.attentionDropout = dropout;
  }

  override forward(x: Tensor): Tensor {
    const [b, t, c] = x.shape as [number, number, number];
    // [B, T, 3C] → [B, T, 3, heads, C / heads]: each position's query, key and value for
    // every head, which attention reads where the projection left them (no copies to take
    // them apart, nor to put the heads ahead of the sequence and back).
    const qkv = this.qkv.forward(x).reshape([b, t, 3, this.heads, c / this.heads]);
    const attended = packedAttention(qkv, {
      isCausal: true,
      dropoutP: this.training ? this.attentionDropout : 0,
    });
    // The heads side by side again: [B, T, heads, C / heads] → [B, T, C].
    return this.dropout.forward(this.proj.forward(attended.reshape([b, t, c])));
  }
}

/** The feed-forward half of a block: width → 4·width, GELU, → width. x: [B, T, C] → [B, T, C] */
export class FeedForward extends Module {
  fc: Linear;
  proj: Linear;
  dropout: Dropout;

  constructor(width: number, dropout: number) {
    super();
    this.fc = new Linear(width, 4 * width);
    this.proj = new Linear(4 * width, width);
    this.dropout = new Dropout(dropout);
  }

  override forward(x: Tensor): Tensor {
    return this.dropout.forward(this.proj.forward(gelu(this.fc.forward(x))));
  }
}

/**
 * One pre-norm transformer block: each half normalises its input, and its output is added
 * to the residual stream, x + attn(ln1(x)), then x + mlp(ln2(x)).
 * x: [B, T, C] → [B, T, C]
 */
export class Block extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  mlp: FeedForward;

  constructor(width: number, heads: number, dropout: number) {
    super();
    this.ln1 = new LayerNorm(width);
    this.attn = new CausalSelfAttention(width, heads, dropout);
    this.ln2 = new LayerNorm(width);
    this.mlp = new FeedForward(width, dropout);
  }

  override forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x)));
    return h.add(this.mlp.forward(this.ln2.forward(h)));
  }
}

/**
 * A GPT over token ids: the logits of the next token at every position.
 * tokens: [B, T] int32 (T ≤ contextLength) → logits [B, T, vocabSize]
 */
export class GPT extends Module {
  tokenEmbedding: Embedding;
  positionEmbedding: Embedding;
  dropout: Dropout;
  blocks: Block[];
  norm: LayerNorm;
  head: Linear;
  readonly config: GPTConfig;

  constructor(config: GPTConfig) {
    super();
    const { vocabSize, contextLength, width, layers, heads, dropout } = config;
    this.config = config;
    this.tokenEmbedding = new Embedding(vocabSize, width);
    this.positionEmbedding = new Embedding(contextLength, width);
    this.dropout = new Dropout(dropout);
    this.blocks = Array.from({ length: layers }, () => new Block(width, heads, dropout));
    this.norm = new LayerNorm(width);
    this.head = new Linear(width, vocabSize, { bias: false });
    // GPT-2's initialisation: every matrix N(0, 0.02²), biases 0, and the projections back
    // into the residual stream scaled down by √(2·layers), so that the sum of 2·layers
    // branches starts with the variance of one.
    for (const [name, p] of this.namedParameters()) {
      const fresh = name.endsWith(".bias")
        ? init.zeros(p.shape)
        : name.startsWith("norm.") || /\.ln\d\./.test(name)
          ? init.ones(p.shape)
          : init.normal(
              p.shape,
              0,
              name.endsWith("proj.weight") ? 0.02 / Math.sqrt(2 * layers) : 0.02,
            );
      p.data.set(fresh.data);
      p.bumpVersion();
    }
    // Tying after initialisation: the head and the embedding are then one tensor, which the
    // state dict holds once, under tokenEmbedding.weight.
    if (config.tieWeights) this.head.weight = this.tokenEmbedding.weight;
  }

  override forward(tokens: Tensor): Tensor {
    const t = tokens.shape[1]!;
    if (t > this.config.contextLength) {
      throw new ValueError(
        "GPT",
        `a sequence of ${t} tokens is longer than the contextLength ${this.config.contextLength}`,
        "crop it to its last contextLength tokens",
      );
    }
    // Token embeddings [B, T, C] plus position embeddings [T, C], broadcast over the batch.
    const positions = arange(t, undefined, 1, { device: tokens.device });
    let x = this.tokenEmbedding.forward(tokens).add(this.positionEmbedding.forward(positions));
    x = this.dropout.forward(x);
    for (const block of this.blocks) x = block.forward(x);
    return this.head.forward(this.norm.forward(x));
  }
}
