/**
 * tensortape against PyTorch on the two training steps whose targets are set against PyTorch:
 * the GPT step (bench/gpt-step.ts) and the conv step (bench/conv-step.ts), on 1 and 2 threads.
 * PyTorch runs in a child process (bench/pytorch/steps.py) that times steps on request, and
 * the two take turns a few steps at a time, so that both see the same minutes of a shared
 * machine, whose speed here changes by half from one hour to the next. Neither runs while
 * the other does. Prints the medians and their ratio per workload and thread count, beside
 * the ratio the targets set (its milliseconds over PyTorch's, measured once).
 *
 * Not part of `pnpm bench`: it needs Python with PyTorch, which CI does not have.
 *
 *     pnpm run-ts bench/pytorch.ts --python V/bin/python [--rounds 6] [--steps 4] [--only gpt,conv]
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setNumThreads } from "@tensortape/core";
import { Command } from "commander";
import { getRuntime } from "../packages/core/src/backend/wasm/runtime.js";
import { getPool } from "../packages/core/src/backend/wasm/thread-pool.js";
import { convStep } from "./conv-step.js";
import { gptStep } from "./gpt-step.js";

const options = new Command()
  .option("--python <path>", "a Python with torch", "python3")
  .option("--rounds <n>", "turns each framework takes per workload and thread count", "6")
  .option("--steps <n>", "steps timed per turn", "4")
  .option("--only <list>", "workloads: gpt, conv", "gpt,conv")
  .parse()
  .opts<{ python: string; rounds: string; steps: string; only: string }>();
const rounds = Number(options.rounds);
const steps = Number(options.steps);
const workloads = options.only.split(",") as ("gpt" | "conv")[];

/** The targets over PyTorch's times for them, per workload and thread count. */
const TARGETS = {
  gpt: { 1: { ms: 450, torch: 150 }, 2: { ms: 250, torch: 89 } },
  conv: { 1: { ms: 170, torch: 75 }, 2: { ms: 100, torch: 45 } },
} as const;

const script = fileURLToPath(new URL("./pytorch/steps.py", import.meta.url));
const child = spawn(options.python, [script], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
let torchVersion = "";

/** PyTorch's milliseconds for `count` steps of `workload` on `threads` threads. */
async function torchSteps(workload: string, threads: number, count: number): Promise<number[]> {
  child.stdin.write(`${workload} ${threads} ${count}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error(`bench/pytorch: ${options.python} ${script} exited`);
  const answer = JSON.parse(value) as { ms: number[]; version: string };
  torchVersion = answer.version;
  return answer.ms;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const tensortapeSteps = { gpt: gptStep().step, conv: convStep() };
const warm = new Set<string>();
function ourSteps(workload: "gpt" | "conv", threads: number, count: number): number[] {
  setNumThreads(threads);
  const step = tensortapeSteps[workload];
  // Warm-up: compiles, starts the workers and lets the split choices settle (split.ts).
  if (!warm.has(`${workload}${threads}`)) for (let i = 0; i < 5; i++) step();
  warm.add(`${workload}${threads}`);
  // setNumThreads restarts the workers: wait until they have started (a conv step takes less
  // than their start-up, and steps before it run unsplit), then one untimed step.
  if (threads > 1) {
    const runtime = getRuntime();
    if (runtime) getPool(runtime)?.waitReady(10_000);
  }
  step();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  return times;
}

const load = loadavg()[0]!;
const results = new Map<string, { ours: number[]; torch: number[]; ratios: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const workload of workloads) {
    for (const threads of [1, 2]) {
      const key = `${workload} ${threads}`;
      const r = results.get(key) ?? { ours: [], torch: [], ratios: [] };
      results.set(key, r);
      // Each goes first in every other round, so that neither always follows the other.
      let ours: number[];
      let torch: number[];
      if (round % 2 === 0) {
        ours = ourSteps(workload, threads, steps);
        torch = await torchSteps(workload, threads, steps);
      } else {
        torch = await torchSteps(workload, threads, steps);
        ours = ourSteps(workload, threads, steps);
      }
      r.ours.push(...ours);
      r.torch.push(...torch);
      r.ratios.push(median(ours) / median(torch));
    }
  }
}
child.stdin.end();

console.log(
  `tensortape against PyTorch ${torchVersion} (child process, alternating), ${rounds} rounds of ` +
    `${steps} steps each; load average ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}\n`,
);
console.log(
  "| step | threads | tensortape (ms) | PyTorch (ms) | ratio (median of rounds) | target ratio | target here (ms) |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [key, r] of results) {
  const [workload, threads] = key.split(" ") as ["gpt" | "conv", "1" | "2"];
  const target = TARGETS[workload][threads];
  const targetRatio = target.ms / target.torch;
  console.log(
    `| ${workload} | ${threads} | ${median(r.ours).toFixed(1)} | ${median(r.torch).toFixed(1)} | ` +
      `${median(r.ratios).toFixed(2)} (${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)}) | ` +
      `${targetRatio.toFixed(2)} | ${(targetRatio * median(r.torch)).toFixed(0)} |`,
  );
}
process.exit(0);
