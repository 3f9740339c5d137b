import {
  checkOptions,
  DTypeError,
  formatShape,
  type Generator,
  getDefaultGenerator,
  linear,
  matmul,
  packedAttention,
  rand,
  ShapeError,
  scaledDotProductAttention,
  shapesEqual,
  softmax,
  swapAxes,
  type Tensor,
  ValueError,
  where,
} from "@tensortape/core";
import { xavierUniform, zeros } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";
import { checkBoolean, checkPositiveInteger } from "./cells.js";
import { Dense } from "./dense.js";

const LAYER = "MultiheadAttention";

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights, in training mode. Default 0. */
  readonly dropout?: number;
  /** Learn the input and output projections' biases. Default true. */
  readonly bias?: boolean;
  /** The keys' feature size. Default embedDim. */
  readonly kdim?: number;
  /** The values' feature size. Default embedDim. */
  readonly vdim?: number;
  /** Inputs and output as [N, L, E] rather than [L, N, E]. Default false. */
  readonly batchFirst?: boolean;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Draws the initial weights and the dropout masks. Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /**
   * Keys to ignore, per batch element: [N, S] (or [S] unbatched), bool where true means
   * "ignore" (PyTorch's convention here, the opposite of `scaledDotProductAttention`'s), or a
   * float mask added to the scores. Default none.
   */
  readonly keyPaddingMask?: Tensor | null;
  /** Return the attention weights beside the output. Default true. */
  readonly needWeights?: boolean;
  /**
   * Which keys each query may not attend to: [L, S] for every batch element and head, or
   * [N·numHeads, L, S] (unbatched: [numHeads, L, S]); bool where true means "not allowed", or a
   * float mask added to the scores. Default none.
   */
  readonly attnMask?: Tensor | null;
  /** Average the returned weights over the heads. Default true. */
  readonly averageAttnWeights?: boolean;
  /**
   * A hint that `attnMask` is the causal mask, which it must then be given as (PyTorch's
   * `is_causal`): without a key padding mask and with `needWeights: false`, the causal mask
   * is applied in its place. Default false.
   */
  readonly isCausal?: boolean;
}

/** A 0/1 mask as additive scores: −∞ where true (PyTorch's `_canonical_mask`); float as it is. */
function canonicalMask(name: string, mask: Tensor, dtype: FloatDType): Tensor {
  if (mask.dtype === "bool") {
    return where(mask, Number.NEGATIVE_INFINITY, 0).cast(dtype);
  }
  if (mask.dtype !== dtype) {
    throw new DTypeError(
      LAYER,
      `${name} must be bool or of the inputs' float dtype`,
      { [name]: mask.dtype, query: dtype },
      mask.dtype === "int32" ? `for a bool mask use a comparison, as in ${name}.ne(0)` : undefined,
    );
  }
  return mask;
}

/**
 * Multi-head attention as torch.nn.MultiheadAttention: the query, key and value are projected
 * to `numHeads` heads of size embedDim / numHeads, each head attends with scaled dot products,
 * and the heads' outputs are concatenated and projected by `out_proj`. The parameters are
 * PyTorch's: `in_proj_weight` [3E, E] and `in_proj_bias` [3E] (or `q_proj_weight`,
 * `k_proj_weight`, `v_proj_weight` when kdim or vdim differ from E), `out_proj.weight` and
 * `out_proj.bias`, with xavier-uniform input projections and zero biases, so PyTorch's state
 * dicts load unchanged.
 * query: [L, N, E] (batchFirst: [N, L, E]; unbatched: [L, E]), key: [S, N, kdim],
 * value: [S, N, vdim] → [output [L, N, E], weights [N, L, S] or null]
 * @example
 * const mha = new MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const [out, weights] = mha.forward(x, x, x); // out [2, 5, 16], weights [2, 5, 5]
 */
export class MultiheadAttention extends Module {
  /** [3·embedDim, embedDim]; null when kdim or vdim differ from embedDim. */
  inProjWeight: Tensor | null;
  /** [embedDim, embedDim], [embedDim, kdim], [embedDim, vdim]; null when kdim = vdim = embedDim. */
  qProjWeight: Tensor | null;
  /** Key projection [E, kdim] when kdim ≠ embedDim, else null (packed in inProjWeight). */
  kProjWeight: Tensor | null;
  /** Value projection [E, vdim] when vdim ≠ embedDim, else null (packed in inProjWeight). */
  vProjWeight: Tensor | null;
  /** [3·embedDim]; null without bias. */
  inProjBias: Tensor | null;
  /** The output projection back to embedDim features. */
  outProj: Dense;
  /** Model width E: features of the query and of the output. */
  readonly embedDim: number;
  /** Number of attention heads; embedDim is split evenly among them. */
  readonly numHeads: number;
  /** Features per head: embedDim / numHeads. */
  readonly headDim: number;
  /** Features of the key input. */
  readonly kdim: number;
  /** Features of the value input. */
  readonly vdim: number;
  /** Dropout probability on the attention weights, in training. */
  readonly dropout: number;
  /** Whether inputs and outputs are [N, L, E] rather than [L, N, E]. */
  readonly batchFirst: boolean;
  readonly #generator: Generator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptions(LAYER, options, [
      "dropout",
      "bias",
      "kdim",
      "vdim",
      "batchFirst",
      "dtype",
      "generator",
    ]);
    checkPositiveInteger(LAYER, "embedDim", embedDim);
    checkPositiveInteger(LAYER, "numHeads", numHeads);
    if (embedDim % numHeads !== 0) {
      throw new ValueError(
        LAYER,
        `embedDim must be divisible by numHeads; got embedDim ${embedDim} and numHeads ${numHeads}`,
      );
    }
    const kdim = options.kdim ?? embedDim;
    const vdim = options.vdim ?? embedDim;
    checkPositiveInteger(LAYER, "kdim", kdim);
    checkPositiveInteger(LAYER, "vdim", vdim);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) {
      throw new ValueError(
        LAYER,
        `dropout must be a probability in [0, 1]; got ${String(dropout)}`,
      );
    }
    checkBoolean(LAYER, "bias", options.bias);
    checkBoolean(LAYER, "batchFirst", options.batchFirst);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = kdim;
    this.vdim = vdim;
    this.dropout = dropout;
    this.batchFirst = options.batchFirst ?? false;
    this.#generator = options.generator;
    const init = { dtype: options.dtype, generator: options.generator };
    const packed = kdim === embedDim && vdim === embedDim;
    this.inProjWeight = packed ? xavierUniform([3 * embedDim, embedDim], init) : null;
    this.qProjWeight = packed ? null : xavierUniform([embedDim, embedDim], init);
    this.kProjWeight = packed ? null : xavierUniform([embedDim, kdim], init);
    this.vProjWeight = packed ? null : xavierUniform([embedDim, vdim], init);
    const bias = options.bias ?? true;
    this.inProjBias = bias ? zeros([3 * embedDim], init) : null;
    // out_proj keeps Linear's own weight initialisation; only its bias starts at zero.
    this.outProj = new Dense(embedDim, embedDim, { bias, biasInit: zeros, ...init });
  }

  override namedMembers(): Member[] {
    const pytorchNames: Record<string, string> = {
      inProjWeight: "in_proj_weight",
      qProjWeight: "q_proj_weight",
      kProjWeight: "k_proj_weight",
      vProjWeight: "v_proj_weight",
      inProjBias: "in_proj_bias",
      outProj: "out_proj",
    };
    return super.namedMembers().map((m) => ({ ...m, name: pytorchNames[m.name] ?? m.name }));
  }

  /**
   * Attends from each query to the keys; returns the output and, with `needWeights`, the
   * attention weights (after dropout, averaged over the heads unless `averageAttnWeights` is
   * false: [N, numHeads, L, S]). With `needWeights` a query whose keys are all masked gets
   * NaN, as PyTorch's; without, it gets 0 (scaledDotProductAttention's rule).
   * query: [L, N, E], key: [S, N, kdim], value: [S, N, vdim] → [[L, N, E], [N, L, S] | null]
   */
  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    checkOptions(`${LAYER}.forward`, options, [
      "keyPaddingMask",
      "needWeights",
      "attnMask",
      "averageAttnWeights",
      "isCausal",
    ]);
    const needWeights = options.needWeights ?? true;
    const average = options.averageAttnWeights ?? true;
    const isCausal = options.isCausal ?? false;
    checkBoolean(LAYER, "needWeights", needWeights);
    checkBoolean(LAYER, "averageAttnWeights", average);
    checkBoolean(LAYER, "isCausal", isCausal);
    const batched = this.#checkInputs(query, key, value);
    // Work batch-first throughout: [N, L, E].
    const toBatchFirst = (t: Tensor) =>
      !batched ? t.unsqueeze(0) : this.batchFirst ? t : swapAxes(t, 0, 1);
    const [q0, k0, v0] = [query, key, value].map(toBatchFirst) as [Tensor, Tensor, Tensor];
    const [n, l] = q0.shape as [number, number];
    const s = k0.shape[1]!;
    const dtype = this.outProj.weight.dtype as FloatDType;

    let attnMask = this.#attnMask(options.attnMask ?? null, batched, n, l, s, dtype);
    const keyPadding = this.#keyPaddingMask(options.keyPaddingMask ?? null, batched, n, s, dtype);
    if (isCausal && attnMask === null) {
      throw new ValueError(
        LAYER,
        "isCausal is a hint that attnMask is the causal mask, so it needs attnMask",
        "pass attnMask: generateSquareSubsequentMask(L)",
      );
    }
    // As PyTorch: the hint replaces the mask only where nothing else needs the mask itself.
    const causal = isCausal && keyPadding === null && !needWeights;
    if (causal) attnMask = null;
    const mask =
      keyPadding === null ? attnMask : attnMask === null ? keyPadding : attnMask.add(keyPadding);

    const dropoutP = this.training ? this.dropout : 0;
    const selfAttention = query === key && key === value;
    const attention = {
      attnMask: mask,
      isCausal: causal,
      dropoutP,
      ...(this.#generator ? { generator: this.#generator } : {}),
    };
    let attended: Tensor;
    let weights: Tensor | null = null;
    if (selfAttention && this.inProjWeight && !needWeights) {
      // One product, as PyTorch's packed projection, read in place: [N, L, 3E] → [N, L, 3, H,
      // headDim], each position's query, key and value for every head, and the heads come
      // back after the sequence.
      const qkv = linear(q0, this.inProjWeight, this.inProjBias);
      attended = packedAttention(qkv.reshape([n, l, 3, this.numHeads, this.headDim]), attention);
    } else {
      // Project and split the heads: [N, L, E] → [N, L, H, headDim].
      const [q, k, v] = this.#project(q0, k0, v0, selfAttention);
      const split = (t: Tensor) => t.reshape([n, t.shape[1]!, this.numHeads, this.headDim]);
      if (needWeights) {
        // [N, L, H, headDim] → [N, H, L, headDim]
        const heads = (t: Tensor) => swapAxes(split(t), 1, 2);
        // PyTorch's path when the weights are asked for: a plain softmax (NaN for a query with
        // every key masked) and dropout applied to the weights it returns.
        let scores = matmul(heads(q).mul(Math.sqrt(1 / this.headDim)), heads(k), { transB: true });
        if (mask) scores = scores.add(mask);
        weights = this.#dropout(softmax(scores, -1), dropoutP);
        // [N, H, L, headDim] → [N, L, H, headDim]
        attended = swapAxes(matmul(weights, heads(v)), 1, 2);
      } else {
        // The heads read where the projection left them (sequenceFirst), and the output comes
        // back so: no copies to move the heads ahead of L and back.
        const sequenceFirst = { ...attention, sequenceFirst: true };
        attended = scaledDotProductAttention(split(q), split(k), split(v), sequenceFirst);
      }
    }
    // Concatenate the heads and project: [N, L, H, headDim] → [N, L, E].
    let out = this.outProj.forward(attended.reshape([n, l, this.embedDim]));
    out = !batched ? out.reshape([l, this.embedDim]) : this.batchFirst ? out : swapAxes(out, 0, 1);
    if (weights !== null) {
      if (average) weights = weights.mean(1);
      if (!batched) weights = weights.squeeze(0);
    }
    return [out, weights];
  }

  /** Checks ranks and sizes; returns whether the inputs are batched (3-d). */
  #checkInputs(query: Tensor, key: Tensor, value: Tensor): boolean {
    const shapes = { query: query.shape, key: key.shape, value: value.shape };
    const batched = query.rank === 3;
    if (
      (query.rank !== 2 && query.rank !== 3) ||
      key.rank !== query.rank ||
      value.rank !== query.rank
    ) {
      throw new ShapeError(
        LAYER,
        `query, key and value must all be 3-d (${this.batchFirst ? "[N, L, E]" : "[L, N, E]"}) or all 2-d (unbatched [L, E])`,
        shapes,
      );
    }
    const last = query.rank - 1;
    for (const [name, t, size, what] of [
      ["query", query, this.embedDim, "embedDim"],
      ["key", key, this.kdim, "kdim"],
      ["value", value, this.vdim, "vdim"],
    ] as const) {
      if (t.shape[last] !== size) {
        throw new ShapeError(
          LAYER,
          `the ${name}'s last dimension must be ${what} = ${size}`,
          shapes,
          `${t.shape[last]} ≠ ${size}`,
        );
      }
      if (t.dtype !== this.outProj.weight.dtype) {
        throw new DTypeError(LAYER, `the ${name} must have the parameters' dtype`, {
          [name]: t.dtype,
          parameters: this.outProj.weight.dtype,
        });
      }
    }
    if (!shapesEqual(key.shape.slice(0, -1), value.shape.slice(0, -1))) {
      throw new ShapeError(
        LAYER,
        "key and value must have the same batch size and number of keys S",
        shapes,
      );
    }
    const batchAxis = this.batchFirst ? 0 : 1;
    if (batched && query.shape[batchAxis] !== key.shape[batchAxis]) {
      throw new ShapeError(
        LAYER,
        `query and key must have the same batch size N (axis ${batchAxis})`,
        shapes,
      );
    }
    return batched;
  }

  /** attnMask as additive scores broadcasting to [N, H, L, S]. */
  #attnMask(
    mask: Tensor | null,
    batched: boolean,
    n: number,
    l: number,
    s: number,
    dtype: FloatDType,
  ): Tensor | null {
    if (mask === null) return null;
    const perHead = batched ? n * this.numHeads : this.numHeads;
    if (mask.rank === 2 && shapesEqual(mask.shape, [l, s]))
      return canonicalMask("attnMask", mask, dtype);
    if (mask.rank === 3 && shapesEqual(mask.shape, [perHead, l, s])) {
      return canonicalMask("attnMask", mask, dtype).reshape([n, this.numHeads, l, s]);
    }
    throw new ShapeError(
      LAYER,
      `attnMask must be [L, S] = ${formatShape([l, s])} or [${batched ? "N·numHeads" : "numHeads"}, L, S] = ${formatShape([perHead, l, s])}`,
      { attnMask: mask.shape },
    );
  }

  /** keyPaddingMask as additive scores broadcasting to [N, H, L, S]. */
  #keyPaddingMask(
    mask: Tensor | null,
    batched: boolean,
    n: number,
    s: number,
    dtype: FloatDType,
  ): Tensor | null {
    if (mask === null) return null;
    const expected = batched ? [n, s] : [s];
    if (!shapesEqual(mask.shape, expected)) {
      throw new ShapeError(
        LAYER,
        `keyPaddingMask must be ${batched ? "[N, S]" : "[S]"} = ${formatShape(expected)}`,
        { keyPaddingMask: mask.shape },
      );
    }
    return canonicalMask("keyPaddingMask", mask, dtype).reshape([n, 1, 1, s]);
  }

  /** The input projections, [N, L, ·] → [N, L, E] each. */
  #project(query: Tensor, key: Tensor, value: Tensor, selfAttention: boolean): Tensor[] {
    const e = this.embedDim;
    const biases = this.inProjBias ? this.inProjBias.split(e) : [null, null, null];
    if (this.inProjWeight) {
      // One product for self-attention, as PyTorch's packed projection.
      if (selfAttention) return linear(query, this.inProjWeight, this.inProjBias).split(e, -1);
      const [wq, wk, wv] = this.inProjWeight.split(e);
      return [
        linear(query, wq!, biases[0]!),
        linear(key, wk!, biases[1]!),
        linear(value, wv!, biases[2]!),
      ];
    }
    return [
      linear(query, this.qProjWeight!, biases[0]!),
      linear(key, this.kProjWeight!, biases[1]!),
      linear(value, this.vProjWeight!, biases[2]!),
    ];
  }

  /** Inverted dropout of the attention weights, from this layer's generator. */
  #dropout(weights: Tensor, p: number): Tensor {
    if (p === 0) return weights;
    const generator = this.#generator ?? getDefaultGenerator();
    const keep = 1 - p;
    const u = rand(weights.shape, { dtype: "float64", generator });
    return weights.mul(where(u.lt(keep), keep === 0 ? 0 : 1 / keep, 0).cast(weights.dtype));
  }

  override extraRepr(): string {
    const extras = [
      this.kdim !== this.embedDim ? `kdim=${this.kdim}` : "",
      this.vdim !== this.embedDim ? `vdim=${this.vdim}` : "",
      this.dropout !== 0 ? `dropout=${this.dropout}` : "",
      this.inProjBias ? "" : "bias=false",
      this.batchFirst ? "batchFirst=true" : "",
    ].filter(Boolean);
    return [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`, ...extras].join(", ");
  }
}
