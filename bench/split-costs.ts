/**
 * Which kernel calls of a training step the thread pool speeds up and which it slows down:
 * the default backend wrapped so that every call is timed, with steps alternating between
 * one thread and the default thread count (the pool stays up; one-thread steps are run as on
 * a busy machine, on the calling thread and its private memory), so that load from elsewhere
 * falls on both. Prints, per kernel and shape, the total time per step on each and their
 * ratio, the largest first. Workloads: `gpt` (bench/gpt-step.ts), `conv` (bench/conv-step.ts),
 * `mlp` (784→128→10, batch 128, Adam), `large` (784→1024→1024→10, batch 256, SGD).
 *
 *     node --conditions=@tensortape/source --import tsx bench/split-costs.ts [gpt|conv|mlp|large] [steps]
 */
import { loadavg } from "node:os";
import { getNumThreads, type MatmulArgs } from "@tensortape/core";
import { getRuntime } from "../packages/core/src/backend/wasm/runtime.js";
import { getPool, threadTesting } from "../packages/core/src/backend/wasm/thread-pool.js";
import { convStep } from "./conv-step.js";
import { initialWeights, randomBatch } from "./data.js";
import { gptStep } from "./gpt-step.js";
import { tensortape } from "./tensortape.js";
import { useTimedBackend } from "./timed-backend.js";

const workload = process.argv[2] ?? "gpt";
const steps = Number(process.argv[3] ?? 20);

/** Milliseconds per key on one thread ([0]) and on the default ([1]), and calls per step. */
const totals = new Map<string, { ms: [number, number]; calls: number }>();
let mode: 0 | 1 = 0;
let recording = false;

function describe(kernel: string, args: unknown[]): string {
  if (kernel === "matmul") {
    const m = args[3] as MatmulArgs;
    const flags = `${m.transA ? "T" : "N"}${m.transB ? "T" : "N"}`;
    return `matmul ${m.aOffsets.length}×${m.m}×${m.k}×${m.n} ${flags}`;
  }
  if (kernel === "softmax") return `softmax ${args[1]}×${args[2]}${args[4] ? " log" : ""}`;
  const sizes = args.filter(ArrayBuffer.isView).map((a) => (a as Float32Array).length);
  const op = typeof args[0] === "string" ? ` ${args[0]}` : "";
  return `${kernel}${op} ${sizes.join("/")}`;
}

let step: () => unknown;
if (workload === "gpt") step = gptStep().step;
else if (workload === "conv") step = convStep();
else {
  const large = workload === "large";
  const sizes = large ? [784, 1024, 1024, 10] : [784, 128, 10];
  const framework = tensortape("wasm", getNumThreads());
  await framework.activate();
  const trainer = framework.mlp(sizes, initialWeights(sizes, 1), {
    kind: large ? "sgd" : "adam",
    lr: 1e-3,
  });
  const { x, y } = randomBatch(large ? 256 : 128, 3);
  step = () => trainer.step(x, y);
}
// Timed from here on (the MLP's framework activates the plain backend when it starts).
useTimedBackend("split-costs", (kernel, args, elapsed) => {
  if (!recording) return;
  const key = describe(kernel, args);
  const entry = totals.get(key) ?? { ms: [0, 0], calls: 0 };
  entry.ms[mode] += elapsed;
  if (mode === 0) entry.calls++;
  totals.set(key, entry);
});
getPool(getRuntime()!)?.waitReady(10_000);

const stepMs: [number[], number[]] = [[], []];
const loads: number[] = [];
for (let s = 0; s < 2 * (steps + 2); s++) {
  mode = (s & 1) as 0 | 1;
  threadTesting.busy = mode === 0;
  recording = s >= 4;
  const start = performance.now();
  step();
  if (recording) stepMs[mode].push(performance.now() - start);
  if (s % 8 === 0) loads.push(loadavg()[0]!);
}
threadTesting.busy = undefined;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  `${workload}: ${steps} steps each, alternating; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
);
console.log(
  `step median: 1 thread ${median(stepMs[0]).toFixed(2)} ms, default (${getNumThreads()}) ${median(stepMs[1]).toFixed(2)} ms, ratio ${(median(stepMs[0]) / median(stepMs[1])).toFixed(2)}\n`,
);
console.log(
  "| kernel and shape | calls/step | 1 thread (µs/step) | default (µs/step) | 1/default |",
);
console.log("| --- | --- | --- | --- | --- |");
let sums: [number, number] = [0, 0];
for (const [key, { ms, calls }] of [...totals].sort((a, b) => b[1].ms[0] - a[1].ms[0])) {
  sums = [sums[0] + ms[0], sums[1] + ms[1]];
  const [one, all] = [(1000 * ms[0]) / steps, (1000 * ms[1]) / steps];
  if (one < 20 && all < 20) continue;
  console.log(
    `| ${key} | ${calls / steps} | ${one.toFixed(0)} | ${all.toFixed(0)} | ${(one / all).toFixed(2)} |`,
  );
}
console.log(
  `\nall kernels: 1 thread ${((1000 * sums[0]) / steps).toFixed(0)} µs/step, default ${((1000 * sums[1]) / steps).toFixed(0)} µs/step`,
);
