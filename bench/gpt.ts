/**
 * One AdamW training step, forward and backward, of a small character-level GPT (the
 * char-gpt example's model: vocabulary 65, context 64, width 128, 4 heads, 4 layers, no
 * dropout) at batch 32, on 1 thread and on the default thread count: the median of several
 * steps each, and their ratio. PyTorch 2.13 on the 2-core development machine took 150 ms
 * (1 thread) and 89 ms (2 threads) for the same step; the targets are ≤ 450 ms on 1 thread
 * and ≤ 250 ms on 2. `bench/pytorch.ts` times PyTorch's step in the same minutes, which
 * this machine's changing speed makes the fairer comparison.
 *
 *     pnpm run-ts bench/gpt.ts [seconds per thread count]
 */
import { cpus, loadavg } from "node:os";
import { getNumThreads, setNumThreads } from "@tensortape/core";
import { GPT_BATCH, GPT_CONFIG, gptStep } from "./gpt-step.js";

const seconds = Number(process.argv[2] ?? 8);
const config = GPT_CONFIG;
const batch = GPT_BATCH;
const { step, parameters } = gptStep();

/**
 * Median milliseconds per step over about `seconds`, after a warm-up; the process's CPU time
 * per step beside it (all threads together), which on a shared machine shows what the step
 * costs when the wall clock also counts other jobs' turns.
 */
function timeSteps(): { median: number; cpu: number; steps: number } {
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  const cpuStart = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times.length < 7) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerStep = (cpu.user + cpu.system) / 1000 / times.length;
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, cpu: cpuPerStep, steps: times.length };
}

const defaultThreads = getNumThreads();
console.log(
  `GPT vocab ${config.vocabSize}, context ${config.contextLength}, width ${config.width}, ` +
    `${config.heads} heads, ${config.layers} layers (${parameters} parameters), ` +
    `batch ${batch}, AdamW, one training step (median)`,
);
console.log(`  ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)} at the start`);
const results: number[] = [];
for (const threads of [1, defaultThreads]) {
  setNumThreads(threads);
  const { median, cpu, steps } = timeSteps();
  results.push(median);
  console.log(
    `  ${threads} thread${threads > 1 ? "s" : ""}: ${median.toFixed(1)} ms/step ` +
      `(median of ${steps}; ${((batch * config.contextLength) / (median / 1000)).toFixed(0)} tokens/s; ` +
      `CPU time ${cpu.toFixed(0)} ms/step)`,
  );
}
setNumThreads(defaultThreads);
console.log(
  `  1 thread ÷ ${defaultThreads} threads: ${(results[0]! / results[1]!).toFixed(2)}× ` +
    `(load average ${loadavg()[0]!.toFixed(2)} at the end)`,
);
console.log("  PyTorch 2.13, same machine: 150 ms (1 thread), 89 ms (2 threads)");
