/**
 * Where the GPT training step's time goes (bench/gpt-step.ts), kernel by kernel: the wasm
 * backend wrapped so that every call is timed and summed per kernel, op and operand sizes.
 * What is left of the step is the tape, tensor objects and output allocation.
 *
 *     node --conditions=@tensortape/source --import tsx bench/gpt-kernel-times.ts [steps] [threads]
 */
import { type StridedView, setNumThreads } from "@tensortape/core";
import { gptStep } from "./gpt-step.js";
import { useTimedBackend } from "./timed-backend.js";

const steps = Number(process.argv[2] ?? 5);
setNumThreads(Number(process.argv[3] ?? 1));

/** Total milliseconds and calls per kernel and operand sizes. */
const totals = new Map<string, { ms: number; calls: number }>();
const perKernel = new Map<string, number>();
useTimedBackend("timed", (kernel, args, elapsed) => {
  const sizes = args
    .map((a) =>
      ArrayBuffer.isView(a)
        ? `${(a as Float32Array).constructor.name.slice(0, 3)}${(a as Float32Array).length}`
        : a && typeof a === "object" && "strides" in a
          ? `v${(a as StridedView).data.length}[${(a as StridedView).strides}]`
          : Array.isArray(a)
            ? `[${a}]`
            : "",
    )
    .filter((s) => s);
  const op = typeof args[0] === "string" ? ` ${args[0]}` : "";
  const key = `${kernel}${op} ${sizes.join(" ")}`;
  const t = totals.get(key) ?? { ms: 0, calls: 0 };
  t.ms += elapsed;
  t.calls++;
  totals.set(key, t);
  perKernel.set(`${kernel}${op}`, (perKernel.get(`${kernel}${op}`) ?? 0) + elapsed);
});

const { step } = gptStep();
step();
step();
totals.clear();
perKernel.clear();
let stepMs = 0;
for (let s = 0; s < steps; s++) {
  const start = performance.now();
  step();
  stepMs += performance.now() - start;
}
let kernelMs = 0;
console.log("| kernel | ms per step |\n| --- | --- |");
for (const [key, ms] of [...perKernel].sort((a, b) => b[1] - a[1])) {
  kernelMs += ms;
  console.log(`| ${key} | ${(ms / steps).toFixed(2)} |`);
}
console.log("\n| kernel and operands | calls | ms per step |\n| --- | --- | --- |");
for (const [key, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 60)) {
  console.log(`| ${key} | ${t.calls / steps} | ${(t.ms / steps).toFixed(2)} |`);
}
console.log(
  `\nkernels ${(kernelMs / steps).toFixed(1)} ms of a ${(stepMs / steps).toFixed(1)} ms step`,
);
