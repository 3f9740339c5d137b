// Times loading real MNIST and one epoch of shuffled batching at batch size 128.
// Run: node --conditions=@tensortape/source --import tsx packages/data/bench/mnist-batching.bench.ts

import { cpus } from "node:os";
import { DataLoader, TensorDataset } from "@tensortape/data";
import { loadMnist } from "@tensortape/data/node";

const REPEATS = 5;

function time<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const loads: number[] = [];
const epochs: number[] = [];
let checksum = 0;
for (let r = 0; r < REPEATS; r++) {
  const load = time(() => loadMnist());
  loads.push(load.ms);
  const { images, labels } = load.result.train;
  const loader = new DataLoader(new TensorDataset(images, labels), {
    batchSize: 128,
    shuffle: true,
    seed: r,
  });
  const epoch = time(() => {
    let seen = 0;
    for (const { x, y } of loader) {
      // Touch each batch so that nothing can be skipped.
      seen += y.shape[0]!;
      checksum += x.data[0]! + y.data[0]!;
    }
    return seen;
  });
  if (epoch.result !== images.shape[0]) throw new Error(`epoch saw ${epoch.result} examples`);
  epochs.push(epoch.ms);
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`machine: ${cpus().length} × ${cpu}, Node ${process.version}`);
console.log(`runs: ${REPEATS} (median, then min..max), checksum ${checksum.toFixed(3)}`);
const line = (name: string, ms: number[]) =>
  `${name.padEnd(36)} ${median(ms).toFixed(0).padStart(5)} ms  (${Math.min(...ms).toFixed(0)}..${Math.max(...ms).toFixed(0)})`;
console.log(line("loadMnist() (train 60 000 + test 10 000)", loads));
console.log(line("one epoch, batch 128, shuffled", epochs));
console.log(
  line(
    "load + one epoch",
    loads.map((l, i) => l + epochs[i]!),
  ),
);
