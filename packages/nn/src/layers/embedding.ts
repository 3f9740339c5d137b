import {
  arange,
  checkOnDevice,
  checkOptions,
  DTypeError,
  eq,
  type Generator,
  indexSelect,
  noGrad,
  norm,
  ShapeError,
  scatter,
  type Tensor,
  tensor,
  unique,
  ValueError,
  where,
} from "@tensortape/core";
import { normal } from "../init.js";
import { type FloatDType, Module } from "../module.js";

/** Options of `Embedding`. */
export interface EmbeddingOptions {
  /**
   * A row (negative counts from the end) that is initialised to zeros and gets no gradient:
   * the embedding of a padding token. Default none.
   */
  readonly paddingIdx?: number | null;
  /**
   * Each row looked up whose `normType`-norm exceeds this is first rescaled, in place, to
   * norm `maxNorm`. Default none.
   */
  readonly maxNorm?: number | null;
  /** The p of the norm `maxNorm` bounds. Default 2. */
  readonly normType?: number;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/** Options of `Embedding.fromPretrained`. */
export interface EmbeddingFromPretrainedOptions {
  /** Keep the weight fixed: it does not require grad (so is no parameter). Default true. */
  readonly freeze?: boolean;
  /** A row that gets no gradient: the embedding of a padding token. Default none. */
  readonly paddingIdx?: number | null;
  /** Rows looked up are first rescaled in place to at most this norm. Default none. */
  readonly maxNorm?: number | null;
  /** The p of the norm `maxNorm` bounds. Default 2. */
  readonly normType?: number;
}

const LAYER = "Embedding";

/**
 * The weight `fromPretrained` hands to the constructor, which takes it instead of drawing
 * one (PyTorch's `_weight` argument), so a large table costs no random draws to replace.
 */
let pretrained: Tensor | undefined;

/**
 * A lookup table: index i selects row i of `weight` [numEmbeddings, embeddingDim], as
 * torch.nn.Embedding (same `weight` name, layout and N(0, 1) initialisation, so PyTorch state
 * dicts load unchanged). The gradient of the weight is the upstream gradient summed into the
 * rows looked up.
 * indices: [...S] (int32) → [...S, embeddingDim]
 * @example
 * const embed = new Embedding(10, 3, { paddingIdx: 0 });
 * embed.forward(tensor([[0, 2], [4, 9]], { dtype: "int32" })).shape; // [2, 2, 3]
 */
export class Embedding extends Module {
  /** [numEmbeddings, embeddingDim]. */
  weight: Tensor;
  /** Number of rows: indices run from 0 to numEmbeddings − 1. */
  readonly numEmbeddings: number;
  /** Size of each embedding vector. */
  readonly embeddingDim: number;
  /** The padding row, non-negative; null without one. */
  readonly paddingIdx: number | null;
  /** Rows looked up are renormalised in place to at most this norm; null for no limit. */
  readonly maxNorm: number | null;
  /** The p of the p-norm maxNorm is measured in. Default 2. */
  readonly normType: number;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions(LAYER, options, ["paddingIdx", "maxNorm", "normType", "dtype", "generator"]);
    for (const [what, n] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw new ValueError(LAYER, `${what} must be a non-negative integer; got ${String(n)}`);
      }
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = checkPaddingIdx(options.paddingIdx, numEmbeddings);
    [this.maxNorm, this.normType] = checkNorm(options.maxNorm, options.normType);
    if (pretrained) {
      this.weight = pretrained;
      return;
    }
    this.weight = normal([numEmbeddings, embeddingDim], 0, 1, {
      dtype: options.dtype,
      generator: options.generator,
    });
    if (this.paddingIdx !== null) {
      // The padding row starts at +0 (where, not a product, which would leave −0s).
      const keep = arange(numEmbeddings, undefined, 1, { device: this.weight.device })
        .ne(this.paddingIdx)
        .reshape([numEmbeddings, 1]);
      noGrad(() => this.weight.copyFrom(where(keep, this.weight, 0)));
    }
  }

  /**
   * An Embedding whose weight is a copy of `embeddings` [numEmbeddings, embeddingDim], as
   * `nn.Embedding.from_pretrained`; the padding row keeps its values.
   * @example Embedding.fromPretrained(tensor([[1, 2], [3, 4]]), { freeze: false })
   */
  static fromPretrained(
    embeddings: Tensor,
    options: EmbeddingFromPretrainedOptions = {},
  ): Embedding {
    checkOptions("Embedding.fromPretrained", options, [
      "freeze",
      "paddingIdx",
      "maxNorm",
      "normType",
    ]);
    if (embeddings.rank !== 2) {
      throw new ShapeError(
        "Embedding.fromPretrained",
        "embeddings must be 2-d [numEmbeddings, embeddingDim]",
        { embeddings: embeddings.shape },
      );
    }
    if (embeddings.dtype !== "float32" && embeddings.dtype !== "float64") {
      throw new DTypeError("Embedding.fromPretrained", "embeddings must be float", {
        embeddings: embeddings.dtype,
      });
    }
    const freeze = options.freeze ?? true;
    if (typeof freeze !== "boolean") {
      throw new ValueError("Embedding.fromPretrained", `freeze must be a boolean; got ${freeze}`);
    }
    const [n, d] = embeddings.shape as [number, number];
    pretrained = tensor(embeddings.data, {
      shape: [n, d],
      dtype: embeddings.dtype,
      requiresGrad: !freeze,
    });
    try {
      return new Embedding(n, d, {
        paddingIdx: options.paddingIdx,
        maxNorm: options.maxNorm,
        normType: options.normType,
      });
    } finally {
      pretrained = undefined;
    }
  }

  override forward(indices: Tensor): Tensor {
    if (indices.dtype !== "int32") {
      throw new DTypeError(
        LAYER,
        "indices must be int32",
        { indices: indices.dtype },
        `cast them with .cast("int32")`,
      );
    }
    const range = `indices must lie in [0, ${this.numEmbeddings}) for numEmbeddings = ${this.numEmbeddings}`;
    if (indices.device !== "cpu") {
      // The flag stays on the device: a bad index is reported at the next read.
      checkOnDevice(LAYER, indices.lt(0).logicalOr(indices.ge(this.numEmbeddings)).any(), range);
    } else {
      const bad = indices.data.find((v) => v < 0 || v >= this.numEmbeddings);
      if (bad !== undefined) throw new ValueError(LAYER, `${range}; got ${bad}`);
    }
    const flat = indices.reshape([indices.size]);
    if (this.maxNorm !== null) this.#renormalize(flat, this.maxNorm);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null) {
      // The padding row's value passes through, but its gradient goes to a detached copy.
      const padding = eq(flat, this.paddingIdx).reshape([indices.size, 1]);
      rows = where(padding, rows.detach(), rows);
    }
    return rows.reshape([...indices.shape, this.embeddingDim]);
  }

  /**
   * Rescales each row looked up whose norm exceeds maxNorm to norm maxNorm (by maxNorm /
   * (norm + 1e-7), as PyTorch's embedding_renorm_), in place and without recording, then
   * bumps the weight's version, so a graph that saved the old weight fails backward loudly.
   */
  #renormalize(flat: Tensor, maxNorm: number): void {
    noGrad(() => {
      const rowsUsed = unique(flat).values;
      const rows = indexSelect(this.weight, 0, rowsUsed);
      const norms = norm(rows, this.normType, 1, true);
      const scale = where(norms.gt(maxNorm), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
      const scaled = rows.mul(scale);
      const at = rowsUsed.reshape([-1, 1]).expand(scaled.shape);
      this.weight.copyFrom(scatter(this.weight, 0, at, scaled));
    });
  }

  override extraRepr(): string {
    const extras = [
      this.paddingIdx !== null ? `paddingIdx=${this.paddingIdx}` : "",
      this.maxNorm !== null ? `maxNorm=${this.maxNorm}` : "",
      this.normType !== 2 ? `normType=${this.normType}` : "",
    ].filter(Boolean);
    return [`${this.numEmbeddings}, ${this.embeddingDim}`, ...extras].join(", ");
  }
}

function checkPaddingIdx(paddingIdx: number | null | undefined, n: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (typeof paddingIdx !== "number" || !Number.isInteger(paddingIdx)) {
    throw new ValueError(LAYER, `paddingIdx must be an integer; got ${String(paddingIdx)}`);
  }
  if (paddingIdx < -n || paddingIdx >= n) {
    throw new ValueError(
      LAYER,
      `paddingIdx must lie in [-${n}, ${n}) for numEmbeddings = ${n}; got ${paddingIdx}`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

function checkNorm(
  maxNorm: number | null | undefined,
  normType: number | undefined,
): [number | null, number] {
  if (
    maxNorm !== undefined &&
    maxNorm !== null &&
    (typeof maxNorm !== "number" || !(maxNorm >= 0))
  ) {
    throw new ValueError(LAYER, `maxNorm must be a number ≥ 0; got ${String(maxNorm)}`);
  }
  if (normType !== undefined && (typeof normType !== "number" || Number.isNaN(normType))) {
    throw new ValueError(LAYER, `normType must be a number; got ${String(normType)}`);
  }
  return [maxNorm ?? null, normType ?? 2];
}
