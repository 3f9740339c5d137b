import {
  checkOptions,
  full,
  type Generator,
  noGrad,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { gelu } from "../functional/gelu.js";
import { xavierUniform } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";
import { checkBoolean, checkPositiveInteger } from "./cells.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./layer-norm.js";
import { MultiheadAttention } from "./multihead-attention.js";

/** The feed-forward block's activation: "relu", "gelu" (exact, erf-based, as PyTorch's), or a function. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** Options of `TransformerEncoderLayer` and `TransformerDecoderLayer`. */
export interface TransformerLayerOptions {
  /** The feed-forward block's hidden size. Default 2048. */
  readonly dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block. Default 0.1. */
  readonly dropout?: number;
  /** Default "relu". */
  readonly activation?: TransformerActivation;
  /** The layer norms' eps. Default 1e-5. */
  readonly layerNormEps?: number;
  /** Inputs and output as [N, L, E] rather than [L, N, E]. Default false. */
  readonly batchFirst?: boolean;
  /** Normalise before each block (pre-LN) rather than after the residual sum (post-LN). Default false. */
  readonly normFirst?: boolean;
  /** Learn the linear layers' and layer norms' biases. Default true. */
  readonly bias?: boolean;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Draws the initial weights and the dropout masks. Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

const LAYER_OPTIONS = [
  "dimFeedforward",
  "dropout",
  "activation",
  "layerNormEps",
  "batchFirst",
  "normFirst",
  "bias",
  "dtype",
  "generator",
];

/** Options of `TransformerEncoderLayer.forward` and `TransformerEncoder.forward`. */
export interface TransformerEncoderForwardOptions {
  /** The self-attention's attnMask: [L, L] or [N·nhead, L, L], bool (true = not allowed) or additive. */
  readonly mask?: Tensor | null;
  /** Padded positions to ignore: [N, L], bool (true = ignore) or additive. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** A hint that `mask` is the causal mask (see MultiheadAttention's `isCausal`). Default false. */
  readonly isCausal?: boolean;
}

/** Options of `TransformerDecoderLayer.forward` and `TransformerDecoder.forward`. */
export interface TransformerDecoderForwardOptions {
  /** The self-attention's attnMask over the targets: [T, T] or [N·nhead, T, T]. */
  readonly tgtMask?: Tensor | null;
  /** The cross-attention's attnMask: [T, S] or [N·nhead, T, S]. */
  readonly memoryMask?: Tensor | null;
  /** Padded targets to ignore: [N, T]. */
  readonly tgtKeyPaddingMask?: Tensor | null;
  /** Padded memory positions to ignore: [N, S]. */
  readonly memoryKeyPaddingMask?: Tensor | null;
  /** A hint that `tgtMask` is the causal mask. Default false. */
  readonly tgtIsCausal?: boolean;
  /** A hint that `memoryMask` is the causal mask. Default false. */
  readonly memoryIsCausal?: boolean;
}

const ENCODER_FORWARD = ["mask", "srcKeyPaddingMask", "isCausal"];
const DECODER_FORWARD = [
  "tgtMask",
  "memoryMask",
  "tgtKeyPaddingMask",
  "memoryKeyPaddingMask",
  "tgtIsCausal",
  "memoryIsCausal",
];

/** PyTorch's names for the fields that differ from their TypeScript names. */
const PYTORCH_NAMES: Record<string, string> = {
  selfAttn: "self_attn",
  multiheadAttn: "multihead_attn",
};

function activationOf(layer: string, activation: TransformerActivation): (x: Tensor) => Tensor {
  if (activation === "relu") return (x) => x.relu();
  if (activation === "gelu") return (x) => gelu(x);
  if (typeof activation === "function") return activation;
  throw new ValueError(
    layer,
    `activation must be "relu", "gelu" or a function; got ${JSON.stringify(activation) ?? String(activation)}`,
  );
}

/** The parts both layer kinds share: checked options, and how to build the blocks. */
function layerParts(
  layer: string,
  dModel: number,
  nhead: number,
  options: TransformerLayerOptions,
) {
  checkOptions(layer, options, LAYER_OPTIONS);
  checkPositiveInteger(layer, "dModel", dModel);
  checkPositiveInteger(layer, "nhead", nhead);
  const dimFeedforward = options.dimFeedforward ?? 2048;
  checkPositiveInteger(layer, "dimFeedforward", dimFeedforward);
  const dropout = options.dropout ?? 0.1;
  if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) {
    throw new ValueError(layer, `dropout must be a probability in [0, 1]; got ${String(dropout)}`);
  }
  const eps = options.layerNormEps ?? 1e-5;
  if (typeof eps !== "number" || !(eps >= 0)) {
    throw new ValueError(layer, `layerNormEps must be a number ≥ 0; got ${String(eps)}`);
  }
  checkBoolean(layer, "batchFirst", options.batchFirst);
  checkBoolean(layer, "normFirst", options.normFirst);
  checkBoolean(layer, "bias", options.bias);
  const activate = activationOf(layer, options.activation ?? "relu");
  const bias = options.bias ?? true;
  const batchFirst = options.batchFirst ?? false;
  const init = { dtype: options.dtype, generator: options.generator };
  const drop = options.generator ? { generator: options.generator } : {};
  return {
    dimFeedforward,
    activate,
    normFirst: options.normFirst ?? false,
    attention: () => {
      if (dModel % nhead !== 0) {
        throw new ValueError(
          layer,
          `dModel must be divisible by nhead; got dModel ${dModel} and nhead ${nhead}`,
        );
      }
      return new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst, ...init });
    },
    linear: (i: number, o: number) => new Dense(i, o, { bias, ...init }),
    norm: () => new LayerNorm(dModel, { eps, bias, ...init }),
    dropout: () => new Dropout(dropout, drop),
  };
}

/**
 * Layers made from a layer's recipe, for TransformerEncoder and TransformerDecoder to copy
 * it: PyTorch deep-copies the layer, so every copy starts from its parameters.
 */
const recipes = new WeakMap<Module, () => Module>();

function copies<M extends Module>(owner: string, layer: M, count: number): M[] {
  const recipe = recipes.get(layer);
  if (!recipe) {
    throw new ValueError(
      owner,
      `the layer to copy must be built by its constructor; got ${layer.constructor.name}`,
    );
  }
  checkPositiveInteger(owner, "numLayers", count);
  const state = layer.stateDict();
  return Array.from({ length: count }, () => {
    const copy = recipe() as M;
    copy.loadStateDict(state);
    return copy.train(layer.training);
  });
}

/**
 * One transformer encoder layer, as torch.nn.TransformerEncoderLayer: self-attention and a
 * feed-forward block (linear1, activation, dropout, linear2), each with dropout, a residual
 * connection and a layer norm: after the sum (post-LN, default) or before the block
 * (`normFirst`, pre-LN). Module names and parameters are PyTorch's (`self_attn`, `linear1`,
 * `norm1`...), so state dicts load unchanged.
 * src: [L, N, E] (batchFirst: [N, L, E]; unbatched: [L, E]) → same shape
 * @example
 * const layer = new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 5, 16])).shape; // [2, 5, 16]
 */
export class TransformerEncoderLayer extends Module {
  /** Self-attention over the source sequence. */
  selfAttn: MultiheadAttention;
  /** Feed-forward block's first layer, E → dimFeedforward. */
  linear1: Dense;
  /** Dropout inside the feed-forward block, after the activation. */
  dropout: Dropout;
  /** Feed-forward block's second layer, dimFeedforward → E. */
  linear2: Dense;
  /** Layer norm of the self-attention block. */
  norm1: LayerNorm;
  /** Layer norm of the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout on the self-attention block's output, before the residual sum. */
  dropout1: Dropout;
  /** Dropout on the feed-forward block's output, before the residual sum. */
  dropout2: Dropout;
  /** Whether each block's layer norm comes before it (pre-LN) rather than after the sum. */
  readonly normFirst: boolean;
  readonly #activate: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const parts = layerParts("TransformerEncoderLayer", dModel, nhead, options);
    this.selfAttn = parts.attention();
    this.linear1 = parts.linear(dModel, parts.dimFeedforward);
    this.dropout = parts.dropout();
    this.linear2 = parts.linear(parts.dimFeedforward, dModel);
    this.norm1 = parts.norm();
    this.norm2 = parts.norm();
    this.dropout1 = parts.dropout();
    this.dropout2 = parts.dropout();
    this.normFirst = parts.normFirst;
    this.#activate = parts.activate;
    recipes.set(this, () => new TransformerEncoderLayer(dModel, nhead, options));
  }

  override namedMembers(): Member[] {
    return super.namedMembers().map((m) => ({ ...m, name: PYTORCH_NAMES[m.name] ?? m.name }));
  }

  /** src: [L, N, E] (batchFirst: [N, L, E]) → same shape */
  override forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions("TransformerEncoderLayer.forward", options, ENCODER_FORWARD);
    const attend = (x: Tensor) => {
      const [out] = this.selfAttn.forward(x, x, x, {
        attnMask: options.mask ?? null,
        keyPaddingMask: options.srcKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.isCausal ?? false,
      });
      return this.dropout1.forward(out);
    };
    const feedForward = (x: Tensor) =>
      this.dropout2.forward(
        this.linear2.forward(this.dropout.forward(this.#activate(this.linear1.forward(x)))),
      );
    let x = src;
    if (this.normFirst) {
      x = x.add(attend(this.norm1.forward(x)));
      return x.add(feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(attend(x)));
    return this.norm2.forward(x.add(feedForward(x)));
  }

  override extraRepr(): string {
    return this.normFirst ? "normFirst=true" : "";
  }
}

/**
 * One transformer decoder layer, as torch.nn.TransformerDecoderLayer: self-attention over the
 * targets, cross-attention to the encoder's output (`memory`), and a feed-forward block, each
 * with dropout, a residual connection and a layer norm (post-LN, or pre-LN with `normFirst`).
 * Module names are PyTorch's (`self_attn`, `multihead_attn`, `norm3`...).
 * tgt: [T, N, E], memory: [S, N, E] (batchFirst: [N, T, E], [N, S, E]) → [T, N, E]
 * @example
 * const layer = new TransformerDecoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 3, 16]), randn([2, 5, 16])).shape; // [2, 3, 16]
 */
export class TransformerDecoderLayer extends Module {
  /** Self-attention over the target sequence. */
  selfAttn: MultiheadAttention;
  /** Cross-attention from the target to the encoder's output (memory). */
  multiheadAttn: MultiheadAttention;
  /** Feed-forward block's first layer, E → dimFeedforward. */
  linear1: Dense;
  /** Dropout inside the feed-forward block, after the activation. */
  dropout: Dropout;
  /** Feed-forward block's second layer, dimFeedforward → E. */
  linear2: Dense;
  /** Layer norm of the self-attention block. */
  norm1: LayerNorm;
  /** Layer norm of the cross-attention block. */
  norm2: LayerNorm;
  /** Layer norm of the feed-forward block. */
  norm3: LayerNorm;
  /** Dropout on the self-attention block's output, before the residual sum. */
  dropout1: Dropout;
  /** Dropout on the cross-attention block's output, before the residual sum. */
  dropout2: Dropout;
  /** Dropout on the feed-forward block's output, before the residual sum. */
  dropout3: Dropout;
  /** Whether each block's layer norm comes before it (pre-LN) rather than after the sum. */
  readonly normFirst: boolean;
  readonly #activate: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const parts = layerParts("TransformerDecoderLayer", dModel, nhead, options);
    this.selfAttn = parts.attention();
    this.multiheadAttn = parts.attention();
    this.linear1 = parts.linear(dModel, parts.dimFeedforward);
    this.dropout = parts.dropout();
    this.linear2 = parts.linear(parts.dimFeedforward, dModel);
    this.norm1 = parts.norm();
    this.norm2 = parts.norm();
    this.norm3 = parts.norm();
    this.dropout1 = parts.dropout();
    this.dropout2 = parts.dropout();
    this.dropout3 = parts.dropout();
    this.normFirst = parts.normFirst;
    this.#activate = parts.activate;
    recipes.set(this, () => new TransformerDecoderLayer(dModel, nhead, options));
  }

  override namedMembers(): Member[] {
    return super.namedMembers().map((m) => ({ ...m, name: PYTORCH_NAMES[m.name] ?? m.name }));
  }

  /** tgt: [T, N, E], memory: [S, N, E] (batchFirst: [N, T, E], [N, S, E]) → [T, N, E] */
  override forward(
    tgt: Tensor,
    memory: Tensor,
    options: TransformerDecoderForwardOptions = {},
  ): Tensor {
    checkOptions("TransformerDecoderLayer.forward", options, DECODER_FORWARD);
    const selfAttend = (x: Tensor) => {
      const [out] = this.selfAttn.forward(x, x, x, {
        attnMask: options.tgtMask ?? null,
        keyPaddingMask: options.tgtKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.tgtIsCausal ?? false,
      });
      return this.dropout1.forward(out);
    };
    const crossAttend = (x: Tensor) => {
      const [out] = this.multiheadAttn.forward(x, memory, memory, {
        attnMask: options.memoryMask ?? null,
        keyPaddingMask: options.memoryKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.memoryIsCausal ?? false,
      });
      return this.dropout2.forward(out);
    };
    const feedForward = (x: Tensor) =>
      this.dropout3.forward(
        this.linear2.forward(this.dropout.forward(this.#activate(this.linear1.forward(x)))),
      );
    let x = tgt;
    if (this.normFirst) {
      x = x.add(selfAttend(this.norm1.forward(x)));
      x = x.add(crossAttend(this.norm2.forward(x)));
      return x.add(feedForward(this.norm3.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttend(x)));
    x = this.norm2.forward(x.add(crossAttend(x)));
    return this.norm3.forward(x.add(feedForward(x)));
  }

  override extraRepr(): string {
    return this.normFirst ? "normFirst=true" : "";
  }
}

/** Options of `TransformerEncoder` and `TransformerDecoder`. */
export interface TransformerStackOptions {
  /** Applied to the last layer's output (PyTorch's `norm`, e.g. a LayerNorm for pre-LN stacks). Default none. */
  readonly norm?: Module | null;
}

type Norm = Module & { forward(x: Tensor): Tensor };

/**
 * A stack of `numLayers` copies of an encoder layer, as torch.nn.TransformerEncoder: each copy
 * starts from the given layer's parameters (PyTorch deep-copies it), and they are named
 * `layers.0`, `layers.1`... in state dicts, followed by `norm` if one is given.
 * src: [L, N, E] (batchFirst: [N, L, E]) → same shape
 * @example
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(16, 4, { batchFirst: true }), 2);
 * encoder.forward(randn([2, 5, 16]), { mask: generateSquareSubsequentMask(5) }).shape; // [2, 5, 16]
 */
export class TransformerEncoder extends Module {
  /** Independent copies of the given layer, applied in order. */
  layers: TransformerEncoderLayer[];
  /** Applied to the last layer's output, or null without. */
  norm: Norm | null;
  /** Number of stacked layers. */
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    checkOptions("TransformerEncoder", options, ["norm"]);
    this.layers = copies("TransformerEncoder", encoderLayer, numLayers);
    this.norm = checkNorm("TransformerEncoder", options.norm);
    this.numLayers = numLayers;
  }

  /** src: [L, N, E] (batchFirst: [N, L, E]) → same shape */
  override forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions("TransformerEncoder.forward", options, ENCODER_FORWARD);
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, options);
    return this.norm ? this.norm.forward(x) : x;
  }
}

/**
 * A stack of `numLayers` copies of a decoder layer, as torch.nn.TransformerDecoder: each copy
 * starts from the given layer's parameters, and all attend to the same `memory`.
 * tgt: [T, N, E], memory: [S, N, E] (batchFirst: [N, T, E], [N, S, E]) → [T, N, E]
 * @example
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(16, 4, { batchFirst: true }), 2);
 * decoder.forward(randn([2, 3, 16]), randn([2, 5, 16])).shape; // [2, 3, 16]
 */
export class TransformerDecoder extends Module {
  /** Independent copies of the given layer, applied in order. */
  layers: TransformerDecoderLayer[];
  /** Applied to the last layer's output, or null without. */
  norm: Norm | null;
  /** Number of stacked layers. */
  readonly numLayers: number;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    checkOptions("TransformerDecoder", options, ["norm"]);
    this.layers = copies("TransformerDecoder", decoderLayer, numLayers);
    this.norm = checkNorm("TransformerDecoder", options.norm);
    this.numLayers = numLayers;
  }

  /** tgt: [T, N, E], memory: [S, N, E] (batchFirst: [N, T, E], [N, S, E]) → [T, N, E] */
  override forward(
    tgt: Tensor,
    memory: Tensor,
    options: TransformerDecoderForwardOptions = {},
  ): Tensor {
    checkOptions("TransformerDecoder.forward", options, DECODER_FORWARD);
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, options);
    return this.norm ? this.norm.forward(x) : x;
  }
}

/** Options of `Transformer`: those of its layers, and how many of each. */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Default 6. */
  readonly numEncoderLayers?: number;
  /** Default 6. */
  readonly numDecoderLayers?: number;
}

/** Options of `Transformer.forward`: the encoder's masks, then the decoder's. */
export interface TransformerForwardOptions extends TransformerDecoderForwardOptions {
  /** The encoder's self-attention mask: [S, S] or [N·nhead, S, S]. */
  readonly srcMask?: Tensor | null;
  /** Padded source positions to ignore in the encoder: [N, S]. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** A hint that `srcMask` is the causal mask. Default false. */
  readonly srcIsCausal?: boolean;
}

/**
 * The encoder-decoder transformer of "Attention Is All You Need", as torch.nn.Transformer: a
 * TransformerEncoder and a TransformerDecoder, each ending in a LayerNorm (`encoder.norm`,
 * `decoder.norm`), with every parameter of two or more dimensions re-drawn xavier-uniform
 * after construction, as PyTorch's `_reset_parameters`.
 * src: [S, N, E], tgt: [T, N, E] (batchFirst: [N, S, E], [N, T, E]) → [T, N, E]
 * @example
 * const model = new Transformer(16, 4, { numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true });
 * model.forward(randn([2, 5, 16]), randn([2, 3, 16]), { tgtMask: generateSquareSubsequentMask(3) }).shape; // [2, 3, 16]
 */
export class Transformer extends Module {
  /** Encodes the source sequence into the memory. */
  encoder: TransformerEncoder;
  /** Decodes the target sequence, attending to the memory. */
  decoder: TransformerDecoder;
  /** Model width E: features of every input and output. */
  readonly dModel: number;
  /** Attention heads in every attention block. */
  readonly nhead: number;
  /** Whether inputs and outputs are [N, L, E] rather than [L, N, E]. */
  readonly batchFirst: boolean;

  /** PyTorch's `Transformer.generate_square_subsequent_mask`. */
  static generateSquareSubsequentMask = generateSquareSubsequentMask;

  constructor(dModel = 512, nhead = 8, options: TransformerOptions = {}) {
    super();
    const { numEncoderLayers = 6, numDecoderLayers = 6, ...layerOptions } = options;
    checkOptions("Transformer", options, [
      ...LAYER_OPTIONS,
      "numEncoderLayers",
      "numDecoderLayers",
    ]);
    checkPositiveInteger("Transformer", "numEncoderLayers", numEncoderLayers);
    checkPositiveInteger("Transformer", "numDecoderLayers", numDecoderLayers);
    const norm = () =>
      new LayerNorm(dModel, {
        eps: options.layerNormEps ?? 1e-5,
        bias: options.bias ?? true,
        dtype: options.dtype,
      });
    this.encoder = new TransformerEncoder(
      new TransformerEncoderLayer(dModel, nhead, layerOptions),
      numEncoderLayers,
      { norm: norm() },
    );
    this.decoder = new TransformerDecoder(
      new TransformerDecoderLayer(dModel, nhead, layerOptions),
      numDecoderLayers,
      { norm: norm() },
    );
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = options.batchFirst ?? false;
    // Each layer copy starts equal to the others; re-drawing the matrices sets them apart.
    noGrad(() => {
      for (const p of this.parameters()) {
        if (p.rank < 2) continue;
        const fresh = xavierUniform(p.shape, {
          dtype: p.dtype as FloatDType,
          generator: options.generator,
        });
        p.copyFrom(fresh);
      }
    });
  }

  /** src: [S, N, E], tgt: [T, N, E] (batchFirst: [N, S, E], [N, T, E]) → [T, N, E] */
  override forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    checkOptions("Transformer.forward", options, [
      ...DECODER_FORWARD,
      "srcMask",
      "srcKeyPaddingMask",
      "srcIsCausal",
    ]);
    const batchAxis = this.batchFirst ? 0 : 1;
    const batched = src.rank === 3;
    if (src.rank !== tgt.rank || (batched && src.shape[batchAxis] !== tgt.shape[batchAxis])) {
      throw new ShapeError("Transformer", "src and tgt must have the same batch size", {
        src: src.shape,
        tgt: tgt.shape,
      });
    }
    if (src.shape[src.rank - 1] !== this.dModel || tgt.shape[tgt.rank - 1] !== this.dModel) {
      throw new ShapeError(
        "Transformer",
        `src and tgt must have dModel = ${this.dModel} features`,
        {
          src: src.shape,
          tgt: tgt.shape,
        },
      );
    }
    const memory = this.encoder.forward(src, {
      mask: options.srcMask ?? null,
      srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.srcIsCausal ?? false,
    });
    const { srcMask, srcKeyPaddingMask, srcIsCausal, ...decoderOptions } = options;
    return this.decoder.forward(tgt, memory, decoderOptions);
  }
}

function checkNorm(owner: string, norm: Module | null | undefined): Norm | null {
  if (norm === undefined || norm === null) return null;
  if (!(norm instanceof Module)) {
    throw new ValueError(
      owner,
      `norm must be a Module (such as a LayerNorm) or null; got ${typeof norm}`,
    );
  }
  return norm as Norm;
}

/**
 * The causal mask of a sequence of `size`: 0 on and below the diagonal and −∞ above it, so
 * that position i attends to positions ≤ i (PyTorch's `Transformer.generate_square_subsequent_mask`).
 * → [size, size]
 * @example generateSquareSubsequentMask(3) // tensor([[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]])
 */
export function generateSquareSubsequentMask(
  size: number,
  options: { readonly dtype?: FloatDType } = {},
): Tensor {
  checkOptions("generateSquareSubsequentMask", options, ["dtype"]);
  if (!Number.isInteger(size) || size < 0) {
    throw new ValueError(
      "generateSquareSubsequentMask",
      `size must be a non-negative integer; got ${String(size)}`,
    );
  }
  // triu keeps the −∞ above the diagonal and writes 0 on and below it.
  return full([size, size], Number.NEGATIVE_INFINITY, { dtype: options.dtype ?? "float32" }).triu(
    1,
  );
}
