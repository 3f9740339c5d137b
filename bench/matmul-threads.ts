/**
 * Times the WebAssembly matmul kernel on 1 and 2 threads over a range of sizes and the
 * shapes of the benchmark's training steps, to pick the size below which one thread is
 * faster (PARALLEL_MIN_MACS in packages/core/src/backend/wasm/matmul.ts).
 *
 *     node --conditions=@tensortape/source --import tsx bench/matmul-threads.ts
 */
import { type MatmulArgs, setNumThreads, wasmBackend } from "@tensortape/core";
import { randomBatch } from "./data.js";
import { medianMs } from "./measure.js";

const shapes: [number, number, number, boolean, boolean][] = [
  [32, 32, 32, false, false],
  [48, 48, 48, false, false],
  [64, 64, 64, false, false],
  [96, 96, 96, false, false],
  [128, 128, 128, false, false],
  [128, 784, 128, false, false],
  [784, 128, 128, true, false],
  [128, 128, 10, false, false],
  [128, 10, 128, false, true],
  [256, 1024, 1024, false, false],
  [1024, 256, 1024, true, false],
  [256, 1024, 1024, false, true],
  [1024, 1024, 1024, false, false],
];

console.log("| m×k×n, flags | MACs | 1 thread (µs) | 2 threads (µs) | speed-up |");
console.log("| --- | --- | --- | --- | --- |");
for (const [m, k, n, transA, transB] of shapes) {
  const a = randomBatch(Math.ceil((m * k) / 784), 1).x.subarray(0, m * k);
  const b = randomBatch(Math.ceil((k * n) / 784), 2).x.subarray(0, k * n);
  const out = new Float32Array(m * n);
  const args: MatmulArgs = { aOffsets: [0], bOffsets: [0], m, k, n, transA, transB };
  const time = (threads: number) => {
    setNumThreads(threads);
    return medianMs(() => wasmBackend.matmul(a, b, out, args), { seconds: 0.5, samples: 5 });
  };
  const one = time(1);
  const two = time(2);
  const flags = `${transA ? "T" : "N"}${transB ? "T" : "N"}`;
  console.log(
    `| ${m}×${k}×${n} ${flags} | ${m * k * n} | ${(one * 1000).toFixed(0)} | ${(two * 1000).toFixed(0)} | ${(one / two).toFixed(2)} |`,
  );
}
