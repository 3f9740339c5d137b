/**
 * Embedding, MultiheadAttention and the Transformer layers against PyTorch 2.13: state dicts
 * PyTorch wrote (fixtures/transformer/*.safetensors, by transformer.py) load unchanged, and
 * for fixed inputs in eval mode the outputs and the gradients of the inputs and of a few
 * parameters match PyTorch's to float32 precision. Then initialisation, masks, training-mode
 * dropout and the typed errors that name the layer.
 */
import { readFileSync } from "node:fs";
import {
  Generator,
  gradients,
  InplaceModificationError,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { assertClose, gradcheck, gradgradcheck } from "@tensortape/core/testing";
import {
  deserializeSafetensors,
  Embedding,
  generateSquareSubsequentMask,
  type Module,
  MultiheadAttention,
  StateDictError,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";
import { LayerNorm } from "../src/layers/layer-norm.js";

const load = (name: string) =>
  deserializeSafetensors(
    readFileSync(new URL(`./fixtures/transformer/${name}.safetensors`, import.meta.url)),
  ).tensors;
const cases = load("cases");
const get = (key: string): Tensor => {
  const t = cases[key];
  if (!t) throw new Error(`no tensor ${key} in cases.safetensors`);
  return t;
};
const input = (key: string) => get(key).clone().requireGrad();
// float32 through a few layers: a few units in the last place of the largest values.
const close = { rtol: 1e-4, atol: 2e-5 };

/** Loads PyTorch's state dict strictly, runs `run` and checks outputs and gradients. */
function check(
  module: Module,
  file: string,
  name: string,
  run: () => (Tensor | null)[],
  inputs: Record<string, Tensor> = {},
) {
  module.loadStateDict(load(file));
  module.eval();
  const outputs = run();
  outputs.forEach((out, i) => {
    const key = `${file}/${name}/out.${i}`;
    if (out === null) {
      expect(cases[key]).toBeUndefined();
      return;
    }
    assertClose(out, get(key), close);
  });
  const params = Object.fromEntries(module.namedParameters());
  const paramNames = Object.keys(cases)
    .filter((k) => k.startsWith(`${file}/${name}/grad.`) && !k.includes("/grad.in."))
    .map((k) => k.slice(`${file}/${name}/grad.`.length));
  expect(paramNames.length).toBeGreaterThan(0);
  const inputNames = Object.keys(inputs);
  const wrt = [...paramNames.map((n) => params[n]!), ...inputNames.map((n) => inputs[n]!)];
  const grads = gradients(outputs[0]!, wrt, get(`${file}/${name}/upstream`));
  paramNames.forEach((n, i) => {
    assertClose(grads[i]!, get(`${file}/${name}/grad.${n}`), close);
  });
  inputNames.forEach((n, i) => {
    assertClose(grads[paramNames.length + i]!, get(`${file}/${name}/grad.in.${n}`), close);
  });
}

describe("TransformerEncoder matches PyTorch (2 layers, d_model 16, 4 heads, batch_first)", () => {
  for (const normFirst of [false, true]) {
    const file = normFirst ? "encoder-pre" : "encoder-post";
    const make = () =>
      new TransformerEncoder(
        new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true, normFirst }),
        2,
        { norm: normFirst ? new LayerNorm(16) : null },
      );

    test(`normFirst ${normFirst}: the state dict's names, order and shapes are PyTorch's`, () => {
      const ours = Object.entries(make().stateDict()).map(([k, t]) => [k, t.shape]);
      const theirs = Object.entries(load(file)).map(([k, t]) => [k, t.shape]);
      expect(ours.map(([k]) => k).sort()).toEqual(theirs.map(([k]) => k).sort());
      expect(new Map(ours as [string, number[]][])).toEqual(
        new Map(theirs as [string, number[]][]),
      );
    });

    test(`normFirst ${normFirst}: no mask`, () => {
      const x = input(`${file}/plain/in.x`);
      const encoder = make();
      check(encoder, file, "plain", () => [encoder.forward(x)], { x });
    });

    test(`normFirst ${normFirst}: a causal bool mask and a key padding mask`, () => {
      const x = input(`${file}/causal-padded/in.x`);
      const encoder = make();
      check(
        encoder,
        file,
        "causal-padded",
        () => [
          encoder.forward(x, {
            mask: get(`${file}/causal-padded/in.mask`),
            srcKeyPaddingMask: get(`${file}/causal-padded/in.kpm`),
          }),
        ],
        { x },
      );
    });
  }
});

describe("TransformerDecoder matches PyTorch (causal target mask, memory padding)", () => {
  // PyTorch's gelu is the exact one, x·Φ(x): by name, and written out as a function activation.
  const exactGelu = (x: Tensor) => x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
  for (const [name, activation] of [
    ["relu", "relu"],
    ["gelu", "gelu"],
    ["gelu as a function", exactGelu],
  ] as const) {
    const file = name === "relu" ? "decoder" : "decoder-gelu";
    test(name, () => {
      const decoder = new TransformerDecoder(
        new TransformerDecoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true, activation }),
        2,
      );
      const tgt = input(`${file}/masked/in.tgt`);
      const memory = input(`${file}/masked/in.memory`);
      check(
        decoder,
        file,
        "masked",
        () => [
          decoder.forward(tgt, memory, {
            tgtMask: get(`${file}/masked/in.tgtMask`),
            memoryKeyPaddingMask: get(`${file}/masked/in.mkpm`),
          }),
        ],
        { tgt, memory },
      );
    });
  }
});

test("Transformer matches PyTorch (2 encoder layers, 1 decoder layer, padding and causal masks)", () => {
  const model = new Transformer(16, 4, {
    numEncoderLayers: 2,
    numDecoderLayers: 1,
    dimFeedforward: 32,
    batchFirst: true,
  });
  const src = input("transformer/masked/in.src");
  const tgt = input("transformer/masked/in.tgt");
  const padding = get("transformer/masked/in.skpm");
  check(
    model,
    "transformer",
    "masked",
    () => [
      model.forward(src, tgt, {
        tgtMask: Transformer.generateSquareSubsequentMask(3),
        srcKeyPaddingMask: padding,
        memoryKeyPaddingMask: padding,
      }),
    ],
    { src, tgt },
  );
});

describe("MultiheadAttention matches PyTorch", () => {
  test("cross-attention, bool attnMask and keyPaddingMask, averaged weights", () => {
    const mha = new MultiheadAttention(16, 4);
    const q = input("mha/averaged/in.q");
    const kv = input("mha/averaged/in.kv");
    check(
      mha,
      "mha",
      "averaged",
      () =>
        mha.forward(q, kv, kv, {
          attnMask: get("mha/averaged/in.attnMask"),
          keyPaddingMask: get("mha/averaged/in.kpm"),
        }),
      { q, kv },
    );
  });

  test("self-attention, weights per head", () => {
    const mha = new MultiheadAttention(16, 4);
    const q = input("mha/self-per-head/in.q");
    check(mha, "mha", "self-per-head", () => mha.forward(q, q, q, { averageAttnWeights: false }), {
      q,
    });
  });

  test("unbatched, a float [numHeads, L, S] mask", () => {
    const mha = new MultiheadAttention(16, 4);
    const q = input("mha/unbatched-3d-mask/in.q");
    const attnMask = get("mha/unbatched-3d-mask/in.attnMask");
    check(mha, "mha", "unbatched-3d-mask", () => mha.forward(q, q, q, { attnMask }), { q });
  });

  test("the isCausal hint without weights", () => {
    const mha = new MultiheadAttention(16, 4);
    const q = input("mha/causal-no-weights/in.q");
    const attnMask = generateSquareSubsequentMask(3);
    check(
      mha,
      "mha",
      "causal-no-weights",
      () => mha.forward(q, q, q, { attnMask, needWeights: false, isCausal: true }),
      { q },
    );
  });

  test("kdim and vdim: separate q/k/v projection weights, batchFirst, a float padding mask", () => {
    const mha = new MultiheadAttention(16, 4, { kdim: 8, vdim: 12, batchFirst: true });
    expect(Object.keys(mha.stateDict())).toEqual([
      "q_proj_weight",
      "k_proj_weight",
      "v_proj_weight",
      "in_proj_bias",
      "out_proj.weight",
      "out_proj.bias",
    ]);
    const [q, k, v] = ["q", "k", "v"].map((n) => input(`mha-kvdim/float-padding/in.${n}`)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const keyPaddingMask = get("mha-kvdim/float-padding/in.kpm");
    check(
      mha,
      "mha-kvdim",
      "float-padding",
      () => mha.forward(q, k, v, { keyPaddingMask, needWeights: false }),
      { q, k, v },
    );
  });
});

describe("Embedding matches PyTorch", () => {
  test("a padding row: zero gradient there, summed gradients at repeated indices", () => {
    const embed = new Embedding(10, 4, { paddingIdx: 1 });
    const idx = get("embedding/padding/in.idx");
    check(embed, "embedding", "padding", () => [embed.forward(idx)]);
  });

  test("maxNorm renormalises the rows looked up, in place, bumping the weight's version", () => {
    const embed = new Embedding(10, 4, { maxNorm: 1.5, normType: 3 });
    const idx = get("embedding-maxnorm/renorm/in.idx");
    embed.loadStateDict(load("embedding-maxnorm"));
    const version = embed.weight.version;
    const out = embed.forward(idx);
    expect(embed.weight.version).toBeGreaterThan(version);
    assertClose(embed.weight, get("embedding-maxnorm/renorm/weight-after"), close);
    assertClose(out, get("embedding-maxnorm/renorm/out.0"), close);
    const [dw] = gradients(out, [embed.weight], get("embedding-maxnorm/renorm/upstream"));
    assertClose(dw!, get("embedding-maxnorm/renorm/grad.weight"), close);
  });
});

describe("Embedding", () => {
  test("weight N(0, 1) with the padding row zeroed; a negative paddingIdx counts from the end", () => {
    const embed = new Embedding(2000, 8, { paddingIdx: -1, generator: new Generator(1) });
    expect(embed.paddingIdx).toBe(1999);
    expect(Array.from(embed.weight.data.slice(1999 * 8))).toEqual(new Array(8).fill(0));
    const values = Array.from(embed.weight.data.slice(0, 1999 * 8));
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  test("a graph that saved the weight before a renormalisation fails backward", () => {
    const embed = new Embedding(4, 3, { maxNorm: 0.1, generator: new Generator(2) });
    const stale = embed.weight.mul(2).sum();
    embed.forward(tensor([0, 1], { dtype: "int32" }));
    expect(() => stale.backward()).toThrow(InplaceModificationError);
  });

  test("fromPretrained: frozen by default, the weight copied", () => {
    const table = tensor([
      [1, 2],
      [3, 4],
    ]);
    const frozen = Embedding.fromPretrained(table);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.forward(tensor([1], { dtype: "int32" })).toArray()).toEqual([[3, 4]]);
    expect(Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad).toBe(true);
  });

  test("typed errors name the layer", () => {
    const embed = new Embedding(5, 2);
    expect(() => embed.forward(tensor([5], { dtype: "int32" }))).toThrow(
      "Embedding: indices must lie in [0, 5) for numEmbeddings = 5; got 5",
    );
    expect(() => embed.forward(tensor([1.0]))).toThrow(/Embedding: indices must be int32/);
    expect(() => new Embedding(5, 2, { paddingIdx: 5 })).toThrow(
      "Embedding: paddingIdx must lie in [-5, 5) for numEmbeddings = 5; got 5",
    );
  });
});

describe("MultiheadAttention", () => {
  test("PyTorch's layout and initialisation: xavier-uniform in_proj, zero biases", () => {
    const mha = new MultiheadAttention(64, 8, { generator: new Generator(3) });
    expect(Object.keys(mha.stateDict())).toEqual([
      "in_proj_weight",
      "in_proj_bias",
      "out_proj.weight",
      "out_proj.bias",
    ]);
    const bound = Math.sqrt(6 / (64 + 3 * 64));
    const w = Array.from(mha.inProjWeight!.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Array.from(mha.inProjBias!.data).every((x) => x === 0)).toBe(true);
    expect(Array.from(mha.outProj.bias!.data).every((x) => x === 0)).toBe(true);
    expect(Object.keys(new MultiheadAttention(8, 2, { bias: false }).stateDict())).toEqual([
      "in_proj_weight",
      "out_proj.weight",
    ]);
  });

  test("a query whose keys are all masked: NaN with weights (PyTorch's softmax), 0 without", () => {
    const mha = new MultiheadAttention(4, 2, { generator: new Generator(4) });
    const x = randn([2, 1, 4], { generator: new Generator(5) });
    const attnMask = tensor([0, 0, 1, 1], { shape: [2, 2], dtype: "bool" });
    const [withWeights, weights] = mha.forward(x, x, x, { attnMask });
    expect(Number.isNaN(withWeights.data[4]!)).toBe(true);
    expect(Number.isNaN(weights!.data[2]!)).toBe(true);
    const [without, none] = mha.forward(x, x, x, { attnMask, needWeights: false });
    expect(none).toBeNull();
    expect(Array.from(without.data).every(Number.isFinite)).toBe(true);
  });

  test("dropout drops attention weights in training mode only, from the layer's generator", () => {
    const make = () => new MultiheadAttention(8, 2, { dropout: 0.5, generator: new Generator(6) });
    const x = randn([3, 2, 8], { generator: new Generator(7) });
    const [a, wa] = make().forward(x, x, x);
    const [b] = make().forward(x, x, x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(wa!.data).some((w) => w === 0)).toBe(true);
    const evaluated = make().eval();
    const [c, wc] = evaluated.forward(x, x, x);
    expect(Array.from(wc!.data).every((w) => w > 0)).toBe(true);
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
  });

  test("gradcheck in float64 through both paths (with and without weights), and second derivatives", () => {
    const mha = new MultiheadAttention(4, 2, { generator: new Generator(11) }).to("float64");
    const q = randn([3, 2, 4], { dtype: "float64", generator: new Generator(12) }).requireGrad();
    const kv = randn([5, 2, 4], { dtype: "float64", generator: new Generator(13) }).requireGrad();
    const attnMask = generateSquareSubsequentMask(3).cast("float64");
    const keyPaddingMask = tensor([0, 0, 0, 0, 1, 0, 0, 0, 1, 1], { shape: [2, 5], dtype: "bool" });
    const withWeights = (a: Tensor, b: Tensor) => {
      const [out, weights] = mha.forward(a, b, b, { keyPaddingMask });
      return out.sum().add(weights!.square().sum());
    };
    expect(gradcheck(withWeights, [q, kv]).passed).toBe(true);
    const layer = new TransformerEncoderLayer(4, 2, {
      dimFeedforward: 6,
      dropout: 0,
      generator: new Generator(14),
    }).to("float64");
    const encode = (x: Tensor) => layer.forward(x, { mask: attnMask, isCausal: true });
    expect(gradgradcheck(encode, [q]).passed).toBe(true);
  });

  test("typed errors name the layer: embedDim not divisible by numHeads, masks of the wrong shape", () => {
    expect(() => new MultiheadAttention(10, 3)).toThrow(
      "MultiheadAttention: embedDim must be divisible by numHeads; got embedDim 10 and numHeads 3",
    );
    const mha = new MultiheadAttention(8, 2);
    const q = zeros([3, 2, 8]);
    const kv = zeros([5, 2, 8]);
    const wrongMask = () => mha.forward(q, kv, kv, { attnMask: zeros([3, 4], { dtype: "bool" }) });
    expect(wrongMask).toThrow(ShapeError);
    expect(wrongMask).toThrow(
      "MultiheadAttention: attnMask must be [L, S] = [3, 5] or [N·numHeads, L, S] = [4, 3, 5]; got attnMask [3, 4]",
    );
    expect(() =>
      mha.forward(q, kv, kv, { keyPaddingMask: zeros([5, 2], { dtype: "bool" }) }),
    ).toThrow(
      "MultiheadAttention: keyPaddingMask must be [N, S] = [2, 5]; got keyPaddingMask [5, 2]",
    );
    expect(() => mha.forward(zeros([3, 2, 6]), kv, kv)).toThrow(
      /MultiheadAttention: the query's last dimension must be embedDim = 8/,
    );
    expect(() => mha.forward(q, kv, zeros([4, 2, 8]))).toThrow(
      /key and value must have the same batch size and number of keys S/,
    );
    expect(() => mha.forward(q, q, q, { isCausal: true })).toThrow(ValueError);
  });
});

describe("Transformer layers", () => {
  test("generateSquareSubsequentMask is PyTorch's causal mask", () => {
    expect(generateSquareSubsequentMask(3).toArray()).toEqual([
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
  });

  test("the decoder's module names are PyTorch's", () => {
    const names = Object.keys(new TransformerDecoderLayer(8, 2, { dimFeedforward: 4 }).stateDict());
    expect(names.filter((n) => n.endsWith("in_proj_weight"))).toEqual([
      "self_attn.in_proj_weight",
      "multihead_attn.in_proj_weight",
    ]);
    expect(names).toContain("norm3.bias");
  });

  test("the stack's layers start as copies of the given layer, then train apart", () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const encoder = new TransformerEncoder(layer, 3);
    const state = layer.stateDict();
    for (const copy of encoder.layers) {
      expect(copy).not.toBe(layer);
      for (const [name, t] of Object.entries(copy.stateDict())) {
        expect(Array.from(t.data)).toEqual(Array.from(state[name]!.data));
      }
    }
    expect(encoder.layers[0]!.linear1.weight).not.toBe(encoder.layers[1]!.linear1.weight);
  });

  test("Transformer re-draws every matrix xavier-uniform, so the stacked copies differ", () => {
    const model = new Transformer(8, 2, {
      numEncoderLayers: 2,
      numDecoderLayers: 2,
      dimFeedforward: 16,
      generator: new Generator(8),
    });
    for (const [name, p] of model.namedParameters()) {
      if (p.rank < 2) continue;
      const bound = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
      expect(Math.max(...Array.from(p.data).map(Math.abs)), name).toBeLessThanOrEqual(bound);
    }
    const [a, b] = model.encoder.layers;
    expect(Array.from(a!.linear1.weight.data)).not.toEqual(Array.from(b!.linear1.weight.data));
    expect(Array.from(a!.linear1.bias!.data)).toEqual(Array.from(b!.linear1.bias!.data));
    expect(() => model.forward(zeros([4, 2, 8]), zeros([3, 3, 8]))).toThrow(
      "Transformer: src and tgt must have the same batch size; got src [4, 2, 8] and tgt [3, 3, 8]",
    );
  });

  test("dropout acts in training mode only, drawn from the layer's generator", () => {
    const make = () =>
      new TransformerEncoderLayer(8, 2, {
        dimFeedforward: 16,
        dropout: 0.5,
        generator: new Generator(9),
      });
    const x = randn([3, 2, 8], { generator: new Generator(10) });
    const trained = make().forward(x);
    expect(Array.from(make().forward(x).data)).toEqual(Array.from(trained.data));
    const evaluated = make().eval();
    const once = evaluated.forward(x);
    expect(Array.from(evaluated.forward(x).data)).toEqual(Array.from(once.data));
    expect(Array.from(once.data)).not.toEqual(Array.from(trained.data));
  });

  test("a state dict of the wrong shape is refused as a whole", () => {
    const encoder = new TransformerEncoder(
      new TransformerEncoderLayer(16, 4, { dimFeedforward: 64, batchFirst: true }),
      2,
    );
    expect(() => encoder.loadStateDict(load("encoder-post"))).toThrow(StateDictError);
  });

  test("typed errors name the layer", () => {
    expect(() => new TransformerEncoderLayer(10, 4)).toThrow(
      "TransformerEncoderLayer: dModel must be divisible by nhead; got dModel 10 and nhead 4",
    );
    expect(() => new TransformerDecoderLayer(8, 2, { activation: "tanh" as "relu" })).toThrow(
      /TransformerDecoderLayer: activation must be "relu", "gelu" or a function/,
    );
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 4, batchFirst: true });
    expect(() => layer.forward(zeros([2, 3, 8]), { mask: zeros([3, 2]) })).toThrow(
      /MultiheadAttention: attnMask must be \[L, S\] = \[3, 3\]/,
    );
    expect(() => new TransformerEncoder(layer, 0)).toThrow(
      "TransformerEncoder: numLayers must be a positive integer; got 0",
    );
  });
});
