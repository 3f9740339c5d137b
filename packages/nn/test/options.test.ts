// Every options object nn takes rejects keys it does not know, with a typed OptionError
// naming the function and the nearest known key: a PyTorch option this library lacks, or a
// misspelt one, would otherwise be ignored without a word.
import { OptionError, tensor } from "@tensortape/core";
import * as nn from "@tensortape/nn";
import { describe, expect, test } from "vitest";

function optionError(run: () => unknown): OptionError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(OptionError);
  return error as OptionError;
}

const param = () => tensor([1, 2], { requiresGrad: true });
const sgd = () => new nn.SGD([param()]);
const logits = tensor([[2, 0, 1]]);
const labels = tensor([0], { dtype: "int32" });
const bogus = { bogus: 1 };

describe("a representative set", () => {
  test("crossEntropy with an option PyTorch had (sizeAverage) but this library does not take", () => {
    const e = optionError(() => nn.crossEntropy(logits, labels, { sizeAverage: false } as never));
    expect(e.op).toBe("crossEntropy");
    expect(e.key).toBe("sizeAverage");
    expect(e.message).toContain('crossEntropy: unknown option "sizeAverage"');
  });

  test("a misspelt option gets the nearest known key as a hint", () => {
    expect(
      optionError(() => nn.mseLoss(logits, logits, { reductoin: "sum" } as never)).suggestion,
    ).toBe("reduction");
    expect(
      optionError(() => new nn.Adam([param()], { betass: [0.9, 0.9] } as never)).suggestion,
    ).toBe("betas");
    expect(optionError(() => new nn.Dense(2, 3, { activaton: "relu" } as never)).message).toContain(
      'did you mean "activation"?',
    );
    expect(
      optionError(() => new nn.SGD([param()], { weight_decay: 0.1 } as never)).suggestion,
    ).toBe("weightDecay");
  });

  test("options of methods and parameter groups too", () => {
    const layer = new nn.Dense(2, 2);
    expect(
      optionError(() => layer.loadStateDict(layer.stateDict(), { strcit: false } as never)).op,
    ).toBe("loadStateDict");
    expect(optionError(() => new nn.Adam([{ params: [param()], lrr: 0.1 } as never])).op).toBe(
      "Adam",
    );
  });

  test("a valid options object still works, and undefined values keep their defaults", () => {
    expect(nn.crossEntropy(logits, labels, { reduction: "sum" }).shape).toEqual([]);
    expect(new nn.Adam([param()], { lr: undefined }).paramGroups[0]!.lr).toBe(1e-3);
  });
});

/**
 * Every runtime export of @tensortape/nn: how to call it with an unknown option (and the
 * name its OptionError gives), or why it takes no options object. A new export fails the
 * walk until it is listed here.
 */
const exportsTable: Record<string, [op: string, call: () => unknown][] | string> = {
  activation: "takes a name or function and an op name",
  restoreCheckpoint: [
    [
      "restoreCheckpoint",
      () =>
        nn.restoreCheckpoint(nn.serializeCheckpoint({}), {
          model: new nn.Dense(1, 1),
          ...bogus,
        } as never),
    ],
    [
      "restoreCheckpoint",
      () => nn.restoreCheckpoint(nn.serializeCheckpoint({}), {}, bogus as never),
    ],
  ],
  serializeCheckpoint: [
    ["serializeCheckpoint", () => nn.serializeCheckpoint({ optimiser: sgd() } as never)],
  ],
  deserializeSafetensors: "safetensors.ts: owned and tested apart",
  serializeSafetensors: "safetensors.ts: owned and tested apart",
  readSafetensorsHeader: "safetensors.ts: owned and tested apart",
  HyperparameterError: "an error class",
  SafetensorsError: "an error class",
  StateDictError: "an error class",
  elu: "positional alpha",
  gelu: "functional form, see activations",
  leakyRelu: "positional slope",
  silu: "takes a tensor",
  softplus: "takes a tensor",
  init: "walked below",
  ELU: "positional alpha",
  Flatten: "positional axes",
  GELU: "see activations",
  Identity: "no arguments",
  LeakyReLU: "positional slope",
  LogSoftmax: "positional axis",
  ReLU: "no arguments",
  Sigmoid: "no arguments",
  SiLU: "no arguments",
  Softmax: "positional axis",
  Softplus: "no arguments",
  Tanh: "no arguments",
  BatchNorm1d: [["BatchNorm1d", () => new nn.BatchNorm1d(2, bogus as never)]],
  BatchNorm2d: [["BatchNorm2d", () => new nn.BatchNorm2d(2, bogus as never)]],
  Dropout2d: [["Dropout2d", () => new nn.Dropout2d(0.5, bogus as never)]],
  GroupNorm: [["GroupNorm", () => new nn.GroupNorm(1, 2, bogus as never)]],
  InstanceNorm2d: [["InstanceNorm2d", () => new nn.InstanceNorm2d(2, bogus as never)]],
  Conv1d: [["Conv1d", () => new nn.Conv1d(1, 1, 1, bogus as never)]],
  Conv2d: [["Conv2d", () => new nn.Conv2d(1, 1, 1, bogus as never)]],
  ConvTranspose2d: [["ConvTranspose2d", () => new nn.ConvTranspose2d(1, 1, 1, bogus as never)]],
  MaxPool1d: [["MaxPool1d", () => new nn.MaxPool1d(2, bogus as never)]],
  MaxPool2d: [["MaxPool2d", () => new nn.MaxPool2d(2, bogus as never)]],
  AvgPool2d: [["AvgPool2d", () => new nn.AvgPool2d(2, bogus as never)]],
  AdaptiveAvgPool2d: "positional output size",
  Upsample: [["Upsample", () => new nn.Upsample({ scaleFactor: 2, ...bogus } as never)]],
  RNN: [["RNN", () => new nn.RNN(1, 1, bogus as never)]],
  LSTM: [["LSTM", () => new nn.LSTM(1, 1, bogus as never)]],
  GRU: [["GRU", () => new nn.GRU(1, 1, bogus as never)]],
  RNNCell: [["RNNCell", () => new nn.RNNCell(1, 1, bogus as never)]],
  LSTMCell: [["LSTMCell", () => new nn.LSTMCell(1, 1, bogus as never)]],
  GRUCell: [["GRUCell", () => new nn.GRUCell(1, 1, bogus as never)]],
  Embedding: [["Embedding", () => new nn.Embedding(3, 2, bogus as never)]],
  MultiheadAttention: [
    ["MultiheadAttention", () => new nn.MultiheadAttention(4, 2, bogus as never)],
  ],
  TransformerEncoderLayer: [
    ["TransformerEncoderLayer", () => new nn.TransformerEncoderLayer(4, 2, bogus as never)],
  ],
  TransformerDecoderLayer: [
    ["TransformerDecoderLayer", () => new nn.TransformerDecoderLayer(4, 2, bogus as never)],
  ],
  TransformerEncoder: [
    [
      "TransformerEncoder",
      () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2), 1, bogus as never),
    ],
  ],
  TransformerDecoder: [
    [
      "TransformerDecoder",
      () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2), 1, bogus as never),
    ],
  ],
  Transformer: [["Transformer", () => new nn.Transformer(4, 2, bogus as never)]],
  generateSquareSubsequentMask: [
    ["generateSquareSubsequentMask", () => nn.generateSquareSubsequentMask(2, bogus as never)],
  ],
  Dense: [["Dense", () => new nn.Dense(2, 2, bogus as never)]],
  Linear: [["Dense", () => new nn.Linear(2, 2, bogus as never)]],
  Dropout: [["Dropout", () => new nn.Dropout(0.5, bogus as never)]],
  LayerNorm: [["LayerNorm", () => new nn.LayerNorm(2, bogus as never)]],
  MLP: [["MLP", () => new nn.MLP([2, 2], bogus as never)]],
  Sequential: "takes layers",
  accuracy: "takes two tensors",
  binaryCrossEntropyWithLogits: [
    [
      "binaryCrossEntropyWithLogits",
      () => nn.binaryCrossEntropyWithLogits(logits, logits, bogus as never),
    ],
  ],
  crossEntropy: [["crossEntropy", () => nn.crossEntropy(logits, labels, bogus as never)]],
  mseLoss: [["mseLoss", () => nn.mseLoss(logits, logits, bogus as never)]],
  nllLoss: [["nllLoss", () => nn.nllLoss(logits, labels, bogus as never)]],
  bceLoss: [
    [
      "bceLoss",
      () => nn.bceLoss(tensor([[0.5, 0.25, 0.25]]), tensor([[0.5, 0.25, 0.25]]), bogus as never),
    ],
  ],
  huberLoss: [["huberLoss", () => nn.huberLoss(logits, logits, bogus as never)]],
  kldivLoss: [["kldivLoss", () => nn.kldivLoss(logits, logits, bogus as never)]],
  l1Loss: [["l1Loss", () => nn.l1Loss(logits, logits, bogus as never)]],
  smoothL1Loss: [["smoothL1Loss", () => nn.smoothL1Loss(logits, logits, bogus as never)]],
  BCELoss: [["BCELoss", () => new nn.BCELoss(bogus as never)]],
  BCEWithLogitsLoss: [["BCEWithLogitsLoss", () => new nn.BCEWithLogitsLoss(bogus as never)]],
  CrossEntropyLoss: [["CrossEntropyLoss", () => new nn.CrossEntropyLoss(bogus as never)]],
  HuberLoss: [["HuberLoss", () => new nn.HuberLoss(bogus as never)]],
  KLDivLoss: [["KLDivLoss", () => new nn.KLDivLoss(bogus as never)]],
  L1Loss: [["L1Loss", () => new nn.L1Loss(bogus as never)]],
  MSELoss: [["MSELoss", () => new nn.MSELoss(bogus as never)]],
  NLLLoss: [["NLLLoss", () => new nn.NLLLoss(bogus as never)]],
  SmoothL1Loss: [["SmoothL1Loss", () => new nn.SmoothL1Loss(bogus as never)]],
  functionalCall: "takes a module, tensors by name and the forward's arguments",
  Module: [["loadStateDict", () => new nn.Dense(1, 1).loadStateDict({}, bogus as never)]],
  Adagrad: [
    ["Adagrad", () => new nn.Adagrad([param()], bogus as never)],
    ["Adagrad", () => new nn.Adagrad([{ params: [param()], ...bogus }] as never)],
  ],
  Adam: [
    ["Adam", () => new nn.Adam([param()], bogus as never)],
    ["Adam", () => new nn.Adam([{ params: [param()], ...bogus }] as never)],
  ],
  AdamW: [
    ["AdamW", () => new nn.AdamW([param()], bogus as never)],
    ["AdamW", () => new nn.AdamW([{ params: [param()], ...bogus }] as never)],
  ],
  RMSprop: [
    ["RMSprop", () => new nn.RMSprop([param()], bogus as never)],
    ["RMSprop", () => new nn.RMSprop([{ params: [param()], ...bogus }] as never)],
  ],
  SGD: [
    ["SGD", () => new nn.SGD([param()], bogus as never)],
    ["SGD", () => new nn.SGD([{ params: [param()], ...bogus }] as never)],
    ["SGD.loadStateDict", () => sgd().loadStateDict({ ...sgd().stateDict(), ...bogus })],
  ],
  Optimizer: "abstract: its subclasses' options are checked through its constructor",
  clipGradNorm: [["clipGradNorm", () => nn.clipGradNorm([param()], 1, bogus as never)]],
  clipGradValue: "positional clip value",
  CosineAnnealingLR: "positional tMax, etaMin",
  ExponentialLR: "positional gamma",
  LambdaLR: "takes a function",
  LinearLR: [["LinearLR", () => new nn.LinearLR(sgd(), bogus as never)]],
  LinearWarmup: [["LinearWarmup", () => new nn.LinearWarmup(sgd(), 2, bogus as never)]],
  LRScheduler: [
    ["LRScheduler", () => new nn.LRScheduler(sgd(), () => 0.1, bogus as never)],
    [
      "StepLR.loadStateDict",
      () =>
        new nn.StepLR(sgd(), 2).loadStateDict({ lastEpoch: 0, stepSize: 2, gamma: 0.1, ...bogus }),
    ],
  ],
  OneCycleLR: [
    ["OneCycleLR", () => new nn.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 2, ...bogus } as never)],
  ],
  SequentialLR: "positional schedulers and milestones",
  StepLR: "positional stepSize, gamma",
};

const initTable: Record<string, [op: string, call: () => unknown][] | string> = {
  calculateGain: "positional nonlinearity and slope",
  fans: "takes a shape",
  uniform: [["uniform", () => nn.init.uniform([2], 0, 1, bogus as never)]],
  normal: [["normal", () => nn.init.normal([2], 0, 1, bogus as never)]],
  constant: [["constant", () => nn.init.constant([2], 0, bogus as never)]],
  zeros: [["zeros", () => nn.init.zeros([2], bogus as never)]],
  ones: [["ones", () => nn.init.ones([2], bogus as never)]],
  kaimingUniform: [["kaimingUniform", () => nn.init.kaimingUniform([2, 2], bogus as never)]],
  kaimingNormal: [["kaimingNormal", () => nn.init.kaimingNormal([2, 2], bogus as never)]],
  xavierUniform: [["xavierUniform", () => nn.init.xavierUniform([2, 2], bogus as never)]],
  xavierNormal: [["xavierNormal", () => nn.init.xavierNormal([2, 2], { mode: "fanIn" } as never)]],
};

describe("every export that takes options", () => {
  for (const [name, table, values] of [
    ["@tensortape/nn", exportsTable, Object.keys(nn)],
    ["init", initTable, Object.keys(nn.init)],
  ] as const) {
    test(`every export of ${name} is listed, and nothing listed is missing`, () => {
      const unlisted = values.filter((v) => !(v in table));
      expect(
        unlisted,
        "list each new export in options.test.ts: how it rejects an unknown option, or why it takes none",
      ).toEqual([]);
      expect(Object.keys(table).filter((k) => !values.includes(k))).toEqual([]);
    });

    const calls = Object.entries(table).flatMap(([exported, entry]) =>
      typeof entry === "string"
        ? []
        : entry.map(([op, call], i) => [`${exported} #${i}`, op, call] as const),
    );
    test.each(calls)(`${name}: %s rejects an unknown option as %s`, (_, op, call) => {
      expect(optionError(call).op).toBe(op);
    });
  }
});
