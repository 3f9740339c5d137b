/**
 * One Adam training step, forward and backward, of PyTorch's MNIST example network at batch
 * 64 (conv 1→32 3×3, relu, conv 32→64 3×3, relu, max-pool 2, flatten, dense 9216→128, relu,
 * dense 128→10, log-softmax and the negative log-likelihood), on 1 and 2 threads; then where
 * the step's time goes: the default backend is wrapped so every kernel call is timed, and the
 * pooling and col2im kernels are set beside the matmul, whose rate (GFLOP/s) is measured in
 * the same process.
 *
 *     pnpm run-ts bench/conv.ts [seconds per thread count]
 */
import { type MatmulArgs, setBackend, setNumThreads } from "@tensortape/core";
import { CONV_BATCH, convStep } from "./conv-step.js";
import { useTimedBackend } from "./timed-backend.js";

const seconds = Number(process.argv[2] ?? 6);
const batch = CONV_BATCH;
const step = convStep();

/** Median milliseconds per step over about `seconds`, after a warm-up. */
function timeSteps(): number {
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times.length < 5) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

console.log(`PyTorch MNIST example net, batch ${batch}, Adam, one training step (median)`);
for (const threads of [1, 2]) {
  setNumThreads(threads);
  console.log(`  ${threads} thread${threads > 1 ? "s" : ""}: ${timeSteps().toFixed(1)} ms/step`);
}

// Where the time goes, on one thread: every kernel call timed through a wrapping backend.
setNumThreads(1);
const totals = new Map<string, number>();
/** The same by kernel, op and operand sizes, e.g. "binary add 2359296/64/2359296". */
const calls = new Map<string, number>();
let matmulFlops = 0;
useTimedBackend("timed", (kernel, args, elapsed) => {
  totals.set(kernel, (totals.get(kernel) ?? 0) + elapsed);
  const sizes = args.filter(ArrayBuffer.isView).map((a) => (a as Float32Array).length);
  const key = `${kernel}${typeof args[0] === "string" ? ` ${args[0]}` : ""} ${sizes.join("/")}`;
  calls.set(key, (calls.get(key) ?? 0) + elapsed);
  if (kernel === "matmul") {
    const a = args[3] as MatmulArgs;
    matmulFlops += 2 * a.aOffsets.length * a.m * a.n * a.k;
  }
});
for (let i = 0; i < 3; i++) step();
totals.clear();
calls.clear();
matmulFlops = 0;
const steps = 10;
const start = performance.now();
for (let i = 0; i < steps; i++) step();
const stepMs = (performance.now() - start) / steps;
setBackend("wasm");

const ms = (kernel: string) => (totals.get(kernel) ?? 0) / steps;
const matmulMs = ms("matmul");
const gflops = matmulFlops / steps / (matmulMs * 1e6);
console.log(`\nkernel time per step on 1 thread (timed backend, ${stepMs.toFixed(1)} ms/step):`);
console.log(`| kernel | ms/step | share of step | time ÷ matmul time |`);
console.log(`| --- | --- | --- | --- |`);
const rows: [string, number][] = [
  ["matmul", matmulMs],
  ["im2col", ms("im2col")],
  ["col2im", ms("col2im")],
  [
    "pooling (windowMax, its gather and scatterAdd)",
    ms("windowMax") + ms("gather") + ms("scatterAdd"),
  ],
];
const listed = new Set(["matmul", "im2col", "col2im", "windowMax", "gather", "scatterAdd"]);
const others = [...totals].filter(([k]) => !listed.has(k)).sort((a, b) => b[1] - a[1]);
for (const [kernel, total] of others) rows.push([kernel, total / steps]);
for (const [name, t] of rows) {
  const share = ((100 * t) / stepMs).toFixed(1);
  console.log(`| ${name} | ${t.toFixed(2)} | ${share}% | ${(t / matmulMs).toFixed(3)} |`);
}
const kernelMs = [...totals.values()].reduce((a, b) => a + b, 0) / steps;
console.log(
  `\nmatmul rate in this process: ${gflops.toFixed(1)} GFLOP/s over ${(matmulFlops / steps / 1e9).toFixed(2)} GFLOP per step; all kernels ${kernelMs.toFixed(1)} ms of the step, the rest is the tape and allocation`,
);

console.log(`\nthe slowest calls by kernel, op and operand sizes:`);
for (const [key, total] of [...calls].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
  console.log(`  ${key}: ${(total / steps).toFixed(2)} ms/step`);
}
