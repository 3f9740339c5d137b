// Classify MNIST test digits with a model saved by `pnpm example mnist-mlp` or `mnist-cnn`
// (which one is read from the checkpoint's tensor names).
//
//   pnpm example mnist-predict 0 1 2            # test images by index
//   pnpm example mnist-predict --model out/mnist-cnn.safetensors 42
import { noGrad, stack } from "@tensortape/core";
import { loadMnist } from "@tensortape/data/node";
import { type Layer, MLP } from "@tensortape/nn";
import { loadSafetensors } from "@tensortape/nn/node";
import { Command, InvalidArgumentError } from "commander";
import { isMnistCnnCheckpoint, MnistCnn } from "./_lib/mnist-cnn-net.js";
import { drawDigit } from "./_lib/terminal.js";

// ---- Flags ---------------------------------------------------------------------------------
const program = new Command("mnist-predict")
  .description(
    "Classify MNIST test images by index with a saved model, printing each digit and its probabilities.",
  )
  .argument("[indices...]", "test image indices (0..9999)", ["0", "1", "2"])
  .option(
    "--model <file>",
    "a model saved by the mnist-mlp or mnist-cnn example",
    "out/mnist-mlp.safetensors",
  )
  .parse();
const options = program.opts<{ model: string }>();
const indices = (program.processedArgs[0] as string[]).map((v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n >= 10_000) {
    throw new InvalidArgumentError(`test indices run from 0 to 9999; got ${v}`);
  }
  return n;
});

// ---- Load the model ------------------------------------------------------------------------
// The file holds the weights, and in its metadata the input normalisation (and the MLP's
// hidden sizes). A CNN checkpoint has PyTorch's names: conv1.weight, ..., fc2.bias.
const { tensors, metadata } = await loadSafetensors(options.model);
const cnn = isMnistCnnCheckpoint(Object.keys(tensors));
const hidden = (metadata.hidden ?? "").split(",").filter(Boolean).map(Number);
const model: Layer = cnn ? new MnistCnn() : new MLP([784, ...hidden, 10]);
model.loadStateDict(tensors);
model.eval();
const mean = Number(metadata.mean ?? 0);
const std = Number(metadata.std ?? 1);
console.log(
  `loaded ${options.model}: ${cnn ? "CNN (PyTorch's MNIST example)" : `MLP ${[784, ...hidden, 10].join(" → ")}`} (test accuracy ${metadata.testAccuracy ?? "?"})`,
);

// ---- Classify ------------------------------------------------------------------------------
const { test } = loadMnist();
const images = stack(indices.map((i) => test.images.slice([i], [i + 1]).reshape([784])));
// The CNN takes images [N, 1, 28, 28] and gives log-probabilities, whose softmax is the same
// probabilities; the MLP takes rows of 784 pixels and gives logits.
const input = images
  .sub(mean)
  .div(std)
  .reshape(cnn ? [indices.length, 1, 28, 28] : [indices.length, 784]);
const probabilities = noGrad(() => model.forward(input).softmax());

// ---- Look ----------------------------------------------------------------------------------
indices.forEach((index, k) => {
  const p = Array.from(probabilities.data.subarray(k * 10, (k + 1) * 10));
  const predicted = p.indexOf(Math.max(...p));
  const label = test.labels.data[index]!;
  console.log(
    `\ntest image #${index}: label ${label}, predicted ${predicted} ${predicted === label ? "✓" : "✗"}`,
  );
  console.log(drawDigit(images.data.subarray(k * 784, (k + 1) * 784)));
  for (let d = 0; d < 10; d++) {
    const bar = "█".repeat(Math.round(p[d]! * 40));
    console.log(`  ${d}  ${(100 * p[d]!).toFixed(1).padStart(5)}%  ${bar}`);
  }
});
