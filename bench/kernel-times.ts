/**
 * Where an MLP training step's time goes, kernel by kernel: the default backend wrapped so
 * that every call is timed, summed per kernel and operand sizes over many steps of SGD on
 * the small MLP (784→128→10, batch 128) or, with `large`, 784→1024→1024→10 at batch 256.
 * What is left of the step is the tape, tensor objects and output allocation.
 *
 *     node --conditions=@tensortape/source --import tsx bench/kernel-times.ts [threads] [large]
 */
import { initialWeights, randomBatch } from "./data.js";
import { tensortape } from "./tensortape.js";
import { useTimedBackend } from "./timed-backend.js";

const threads = Number(process.argv[2] ?? 1);
const large = process.argv.includes("large");
const sizes = large ? [784, 1024, 1024, 10] : [784, 128, 10];
const batch = large ? 256 : 128;
const [warmup, steps] = large ? [3, 20] : [200, 1000];

/** Total milliseconds per kernel and operand sizes, e.g. "matmul 100352/16384/100352". */
const totals = new Map<string, number>();

// The benchmark's own trainer (tensortape.ts, with nn's SGD), on the timed backend.
const framework = tensortape("wasm", threads);
await framework.activate();
useTimedBackend("timed", (kernel, args, elapsed) => {
  const sizes = args.filter(ArrayBuffer.isView).map((a) => (a as Float32Array).length);
  const op = typeof args[0] === "string" ? ` ${args[0]}` : "";
  const key = `${kernel}${op} ${sizes.join("/")}`;
  totals.set(key, (totals.get(key) ?? 0) + elapsed);
});
const trainer = framework.mlp(sizes, initialWeights(sizes, 1), { kind: "sgd", lr: 0.01 });
const { x, y } = randomBatch(batch, 3);
let stepMs = 0;
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) totals.clear();
  const start = performance.now();
  trainer.step(x, y);
  if (s >= warmup) stepMs += performance.now() - start;
}

let kernelMs = 0;
console.log(`| kernel and operand sizes | µs per step |\n| --- | --- |`);
for (const [key, ms] of [...totals].sort((a, b) => b[1] - a[1])) {
  kernelMs += ms;
  console.log(`| ${key} | ${((1000 * ms) / steps).toFixed(1)} |`);
}
console.log(
  `\nkernels ${((1000 * kernelMs) / steps).toFixed(0)} µs of a ${((1000 * stepMs) / steps).toFixed(0)} µs step (${threads} thread${threads > 1 ? "s" : ""})`,
);
