/**
 * tensortape against TF.js, in one process on one machine: matmul, an MLP training step,
 * tape overhead and MNIST training, for tensortape's WebAssembly backend on 1 and 2 threads
 * and its reference backend, and for TF.js's wasm and cpu backends.
 *
 *     pnpm bench            # everything (about ten minutes on two cores)
 *     pnpm bench --quick    # shorter samples; the slowest runs are skipped or estimated
 *     pnpm bench --only matmul,mnist
 *
 * Sections: matmul, step, tape, epoch, mnist. Figures are medians of Benchmark.js samples.
 */
import { cpus } from "node:os";
import { epochOrder, initialWeights, loadMnist, randomBatch } from "./data.js";
import type { Framework } from "./framework.js";
import { medianMs } from "./measure.js";
import { trainMnist } from "./mnist.js";
import { tensortape } from "./tensortape.js";
import { tfjs } from "./tfjs.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1]!.split(",") : undefined;
const runs = (section: string) => !only || only.includes(section);
const timing = quick ? { seconds: 0.5, samples: 3 } : { seconds: 2, samples: 5 };

const frameworks: Framework[] = [
  tensortape("wasm", 1),
  tensortape("wasm", 2),
  tensortape("reference", 1),
  tfjs("wasm"),
  tfjs("cpu"),
];
const [tt1, tt2, , tfWasm, tfCpu] = frameworks as [
  Framework,
  Framework,
  Framework,
  Framework,
  Framework,
];

type Row = {
  label: string;
  unit: string;
  higherIsBetter: boolean;
  values: Map<Framework, string | number>;
};
const rows: Row[] = [];

function row(label: string, unit: string, higherIsBetter: boolean): Row {
  const r: Row = { label, unit, higherIsBetter, values: new Map() };
  rows.push(r);
  return r;
}

function format(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

/** Whether a framework is too slow for the biggest workloads here; the table says so instead. */
function tooSlow(f: Framework): boolean {
  if (f.name === "tensortape reference") return true;
  return quick && f === tfCpu;
}

async function each(fn: (f: Framework) => void | Promise<void>): Promise<void> {
  for (const f of frameworks) {
    await f.activate();
    await fn(f);
    process.stdout.write(".");
  }
}

const mnist = runs("epoch") || runs("mnist") ? loadMnist() : undefined;

if (runs("matmul")) {
  for (const [n, transA] of [
    [128, false],
    [512, false],
    [1024, false],
    [512, true],
  ] as const) {
    const r = row(`matmul float32 ${n}³${transA ? ", aᵀ·b" : ""}`, "GFLOP/s", true);
    const { x: a } = randomBatch((n * n) / 784 + 1, n);
    const { x: b } = randomBatch((n * n) / 784 + 1, n + 1);
    await each((f) => {
      if (n === 1024 && tooSlow(f)) return void r.values.set(f, "—");
      const ms = medianMs(f.matmul(a.subarray(0, n * n), b.subarray(0, n * n), n, transA), timing);
      r.values.set(f, (2 * n ** 3) / ms / 1e6);
    });
  }
}

if (runs("step")) {
  for (const [sizes, batch] of [
    [[784, 128, 10], 128],
    [[784, 1024, 1024, 10], 256],
  ] as const) {
    const r = row(`training step, MLP ${sizes.join("→")}, batch ${batch}, SGD`, "ms", false);
    const { x, y } = randomBatch(batch, 3);
    await each((f) => {
      if (sizes.length > 3 && tooSlow(f)) return void r.values.set(f, "—");
      const trainer = f.mlp(sizes, initialWeights(sizes, 0), { kind: "sgd", lr: 0.01 });
      r.values.set(
        f,
        medianMs(() => trainer.step(x, y), timing),
      );
      trainer.dispose();
    });
  }
}

if (runs("tape")) {
  const ops = 2000;
  const r = row(
    `tape overhead: ${ops} add/mul ops on a [4] tensor, forward + backward`,
    "µs/op",
    false,
  );
  await each((f) => {
    r.values.set(f, (medianMs(f.tape(ops), timing) * 1000) / ops);
  });
}

if (runs("epoch") && mnist) {
  const sizes = [784, 128, 10];
  const batch = 128;
  const steps = Math.floor(mnist.train.count / batch);
  const r = row(
    `MNIST epoch, MLP 784→128→10, Adam 1e-3, batch ${batch} (${mnist.source})`,
    "s",
    false,
  );
  await each((f) => {
    const trainer = f.mlp(sizes, initialWeights(sizes, 0), { kind: "adam", lr: 1e-3 });
    const order = epochOrder(mnist.train.count, 0);
    const x = new Float32Array(batch * 784);
    const y = new Int32Array(batch);
    const stepAt = (s: number) => {
      for (let b = 0; b < batch; b++) {
        const i = order[s * batch + b]!;
        x.set(mnist.train.images.subarray(i * 784, (i + 1) * 784), b * 784);
        y[b] = mnist.train.labels[i]!;
      }
      trainer.step(x, y);
    };
    stepAt(0);
    // Slow frameworks train part of the epoch and the table extrapolates (marked "est.").
    const probe = performance.now();
    stepAt(1);
    const slow = performance.now() - probe > (quick ? 5 : 25);
    const timed = slow ? Math.min(steps, quick ? 20 : 60) : steps;
    const start = performance.now();
    for (let s = 0; s < timed; s++) stepAt(s);
    const seconds = ((performance.now() - start) / 1000) * (steps / timed);
    r.values.set(f, slow ? `${format(seconds)} est.` : seconds);
    trainer.dispose();
  });
}

process.stdout.write("\n");
const machine = `${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
console.log(`\n${date}, ${machine}${quick ? " (--quick)" : ""}\n`);
if (rows.length > 0) {
  const header = ["workload", "unit", ...frameworks.map((f) => f.name)];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const r of rows) {
    const cells = frameworks.map((f) => {
      const v = r.values.get(f);
      return v === undefined ? "" : typeof v === "number" ? format(v) : v;
    });
    console.log(`| ${r.label} | ${r.unit} | ${cells.join(" | ")} |`);
  }
  // How many times faster tensortape's fast backend is than each TF.js backend.
  console.log("\nSpeed-up of tensortape wasm over TF.js (×, higher is better):\n");
  const pairs = [
    [tt1, tfWasm],
    [tt2, tfWasm],
    [tt1, tfCpu],
    [tt2, tfCpu],
  ] as const;
  console.log(
    `| workload | ${pairs.map(([a, b]) => `${a.name.replace("tensortape ", "")} vs ${b.name}`).join(" | ")} |`,
  );
  console.log(`| --- | ${pairs.map(() => "---").join(" | ")} |`);
  for (const r of rows) {
    const cells = pairs.map(([a, b]) => {
      const va = r.values.get(a);
      const vb = r.values.get(b);
      const num = (v: string | number | undefined) =>
        typeof v === "number" ? v : typeof v === "string" ? Number.parseFloat(v) : Number.NaN;
      const ratio = r.higherIsBetter ? num(va) / num(vb) : num(vb) / num(va);
      return Number.isFinite(ratio) ? `${format(ratio)}×` : "—";
    });
    console.log(`| ${r.label} | ${cells.join(" | ")} |`);
  }
}

if (runs("mnist") && mnist) await trainMnist(mnist, quick);
