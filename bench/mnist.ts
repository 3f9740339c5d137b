/**
 * Three epochs of MNIST training with tensortape's default backend and thread count, then
 * with one thread: training time, test accuracy, and heap and RSS after each epoch (after a
 * full garbage collection), which must stay flat once the first epoch has run.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Mnist } from "./data.js";
import { epochOrder, initialWeights } from "./data.js";
import { tensortape } from "./tensortape.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export async function trainMnist(mnist: Mnist, quick: boolean): Promise<void> {
  const sizes = [784, 128, 10];
  const batch = 128;
  const epochs = quick ? 1 : 3;
  const configs = quick
    ? [["wasm", 2]]
    : [
        ["wasm", 2],
        ["wasm", 1],
      ];
  if (process.argv.includes("--reference-accuracy")) configs.push(["reference", 1]);
  console.log(
    `\nMNIST (${mnist.source}), MLP 784→128→10, Adam 1e-3, batch ${batch}, ${epochs} epochs:\n`,
  );
  console.log(
    "| tensortape | epoch | training time (s, cumulative) | test accuracy | heap | RSS |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [backend, threads] of configs as ["wasm" | "reference", number][]) {
    const framework = tensortape(backend, threads);
    await framework.activate();
    const trainer = framework.mlp(sizes, initialWeights(sizes, 0), { kind: "adam", lr: 1e-3 });
    const x = new Float32Array(batch * 784);
    const y = new Int32Array(batch);
    let training = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = epochOrder(mnist.train.count, epoch);
      const start = performance.now();
      for (let s = 0; s + batch <= mnist.train.count; s += batch) {
        for (let b = 0; b < batch; b++) {
          const i = order[s + b]!;
          x.set(mnist.train.images.subarray(i * 784, (i + 1) * 784), b * 784);
          y[b] = mnist.train.labels[i]!;
        }
        trainer.step(x, y);
      }
      training += (performance.now() - start) / 1000;
      const acc = trainer.accuracy(mnist.test.images, mnist.test.labels);
      gc();
      const { heapUsed, rss } = process.memoryUsage();
      console.log(
        `| ${framework.name} | ${epoch + 1} | ${training.toFixed(2)} | ${(100 * acc).toFixed(2)} % | ${mib(heapUsed)} | ${mib(rss)} |`,
      );
    }
  }
}
