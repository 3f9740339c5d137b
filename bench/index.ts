/**
 * tensortape against TF.js and jax-js, on one machine: matmul, an MLP
 * training step, tape overhead, a convolutional and a transformer training step, and MNIST
 * training, for tensortape's WebAssembly backend on 1 and 2 threads and its reference
 * backend, for TF.js's wasm and cpu backends, and for jax-js's wasm device.
 *
 *     pnpm bench            # everything, 3 rounds (about ten minutes on two cores)
 *     pnpm bench --quick    # 1 round of short samples; the slowest runs skipped or estimated
 *     pnpm bench --only matmul,mnist
 *
 * Sections: matmul, step, tape, conv, gpt, epoch, mnist. A peer that cannot run a workload
 * (TF.js's wasm backend has no convolution gradients) is reported with its error. Each figure is the median over rounds of a
 * Benchmark.js median; the frameworks take turns within each round, so that a burst of
 * load from elsewhere on the machine does not fall on one of them alone. The slow ones
 * (tensortape's reference backend, TF.js cpu; jax-js on the conv step) run one round.
 *
 * Each section runs in a process of its own (this script again, with `--only` it and
 * `--rows-json` a file for its rows): what a peer keeps on the heap slows every framework in
 * the sections after it (jax-js's tape workload leaves hundreds of megabytes, and a GPT step
 * in the same process then took 1.3× as long), so one section's figures never depend on
 * which ran before it. The training steps (conv, gpt) go further: each framework's turn in
 * each round is a process of its own (`--framework` and `--rounds 1`), since the peers' heaps
 * in the same process took tensortape's two-thread gain on the GPT step (293 ms on two
 * threads against 350 on one alone, 381 against 386 beside TF.js and jax-js: V8's concurrent
 * marking of their heaps takes the second core). `--in-process` runs everything in this one.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { epochOrder, initialWeights, loadMnist, type Mnist, randomBatch } from "./data.js";
import type { Framework } from "./framework.js";
import { medianMs } from "./measure.js";
import { trainMnist } from "./mnist.js";
import { tensortape } from "./tensortape.js";

// TF.js and jax-js live in bench/peers, installed by `pnpm bench` on first use rather than
// with the workspace; the specifiers are not literals so that type-checking the workspace
// does not need them installed.
const peerModule: string = "./peers/tfjs.js";
const { tfjs } = (await import(peerModule)) as {
  tfjs: (backend: "wasm" | "cpu") => Framework;
};
const jaxModule: string = "./peers/jaxjs.js";
const { jaxjs } = (await import(jaxModule)) as { jaxjs: () => Framework };

const args = process.argv.slice(2);
const quick = args.includes("--quick");
/** `--name value`'s value, if given. */
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const only = option("--only")?.split(",");
const runs = (section: string) => !only || only.includes(section);
const rounds = Number(option("--rounds") ?? (quick ? 1 : 3));
const timing = quick ? { seconds: 0.5, samples: 3 } : { seconds: 1, samples: 5 };

const tt1 = tensortape("wasm", 1);
const tt2 = tensortape("wasm", 2);
const reference = tensortape("reference", 1);
const tfWasm = tfjs("wasm");
const tfCpu = tfjs("cpu");
const jax = jaxjs();
const allFrameworks: Framework[] = [tt1, tt2, reference, tfWasm, tfCpu, jax];
/** The frameworks this process measures: one, in a training step's child process. */
const onlyFramework = option("--framework");
const frameworks = allFrameworks.filter((f) => !onlyFramework || f.name === onlyFramework);
const slow = new Set([reference, tfCpu]);
/** Per section, the frameworks measured in one round only (the slow ones). */
const onceIn = (section: string): ReadonlySet<Framework> =>
  // jax-js takes about 20 s a conv step here (and as long again to compile it).
  section === "conv" ? new Set([...slow, jax]) : slow;

/** A measurement of one framework: a number, or a note such as "—" or "29 est.". */
type Figure = number | string;

interface Row {
  readonly label: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly figures: Map<Framework, Figure[]>;
}
const rows: Row[] = [];

function format(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

const numeric = (v: Figure | undefined) =>
  typeof v === "number" ? v : typeof v === "string" ? Number.parseFloat(v) : Number.NaN;

/** The median of a cell's rounds, keeping a note such as "est." if the rounds carry one. */
function cell(figures: Figure[] | undefined): Figure | undefined {
  if (!figures || figures.length === 0) return undefined;
  const sorted = [...figures].sort((a, b) => numeric(a) - numeric(b));
  return sorted[(sorted.length - 1) >> 1];
}

/**
 * Measures one workload on every framework, `rounds` times in turn (those in `once`, by
 * default the slow frameworks, once). `measure` returns the figure, or a string for a note.
 */
async function workload(
  label: string,
  unit: string,
  higherIsBetter: boolean,
  measure: (f: Framework) => Figure,
  once: ReadonlySet<Framework> = slow,
): Promise<void> {
  const row: Row = { label, unit, higherIsBetter, figures: new Map() };
  rows.push(row);
  for (let round = 0; round < rounds; round++) {
    for (const f of frameworks) {
      if (round > 0 && once.has(f)) continue;
      await f.activate();
      const figures = row.figures.get(f) ?? [];
      // A peer that throws gets its error in the cell; the benchmark goes on.
      let figure: Figure;
      try {
        figure = measure(f);
      } catch (error) {
        figure = failure(error);
      }
      figures.push(figure);
      row.figures.set(f, figures);
      process.stdout.write(".");
    }
  }
}

async function matmulSection(): Promise<void> {
  for (const [n, transA] of [
    [128, false],
    [512, false],
    [1024, false],
    [512, true],
  ] as const) {
    const a = randomBatch(Math.ceil((n * n) / 784), n).x.subarray(0, n * n);
    const b = randomBatch(Math.ceil((n * n) / 784), n + 1).x.subarray(0, n * n);
    const label = `matmul float32 ${n}³${transA ? ", aᵀ·b" : ""}`;
    await workload(label, "GFLOP/s", true, (f) => {
      // A 1024³ product takes seconds on the reference backend (and TF.js cpu when quick).
      if (n === 1024 && (f === reference || (quick && f === tfCpu))) return "—";
      return (2 * n ** 3) / medianMs(f.matmul(a, b, n, transA), timing) / 1e6;
    });
  }
}

async function stepSection(): Promise<void> {
  for (const [sizes, batch] of [
    [[784, 128, 10], 128],
    [[784, 1024, 1024, 10], 256],
  ] as const) {
    const { x, y } = randomBatch(batch, 3);
    const label = `training step, MLP ${sizes.join("→")}, batch ${batch}, SGD`;
    await workload(label, "ms", false, (f) => {
      if (sizes.length > 3 && (f === reference || (quick && f === tfCpu))) return "—";
      const trainer = f.mlp(sizes, initialWeights(sizes, 0), { kind: "sgd", lr: 0.01 });
      const ms = medianMs(() => trainer.step(x, y), timing);
      trainer.dispose();
      return ms;
    });
  }
}

async function tapeSection(): Promise<void> {
  const ops = 2000;
  const label = `tape overhead: ${ops} add/mul ops on a [4] tensor, forward + backward`;
  await workload(label, "µs/op", false, (f) => (medianMs(f.tape(ops), timing) * 1000) / ops);
}

/** The first line of what a peer threw, short enough for a table cell. */
function failure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  return `fails: ${message.length > 70 ? `${message.slice(0, 67)}...` : message}`;
}

/**
 * A training step of a larger model on every framework that can run it: the median of a few
 * steps; a note where a framework is skipped (minutes per step) or has no such model, and
 * (through `workload`) the error where it throws.
 */
async function trainingStep(
  label: string,
  make: (f: Framework) => (() => void) | string,
  skipped: ReadonlyMap<Framework, string>,
  once: ReadonlySet<Framework> = slow,
): Promise<void> {
  const stepTiming = quick ? { seconds: 1, samples: 3 } : { seconds: 4, samples: 5 };
  await workload(
    label,
    "ms",
    false,
    (f) => {
      const skip = skipped.get(f);
      if (skip) return skip;
      const step = make(f);
      return typeof step === "string" ? step : medianMs(step, stepTiming);
    },
    once,
  );
}

async function convSection(): Promise<void> {
  await trainingStep(
    "training step, PyTorch's MNIST CNN (2 conv, max-pool, 2 dense), batch 64, Adam",
    (f) => f.convStep(),
    new Map<Framework, string>([
      [reference, "— (minutes per step)"],
      // Measured once by hand on this machine: 113 s for one step.
      [tfCpu, "— (≈113 s per step)"],
    ]),
    onceIn("conv"),
  );
}

async function gptSection(): Promise<void> {
  await trainingStep(
    "training step, char-GPT (4 layers, width 128, context 64), batch 32, AdamW",
    (f) => f.gptStep(),
    new Map<Framework, string>([
      [reference, "— (minutes per step)"],
      // Measured once by hand on this machine: 39–41 s a step.
      [tfCpu, "— (≈40 s per step)"],
    ]),
  );
}

async function epochSection(mnist: Mnist): Promise<void> {
  const sizes = [784, 128, 10];
  const batch = 128;
  const steps = Math.floor(mnist.train.count / batch);
  const label = `MNIST epoch, MLP 784→128→10, Adam 1e-3, batch ${batch} (${mnist.source})`;
  await workload(label, "s", false, (f) => {
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
    // The slow frameworks train part of the epoch and the table extrapolates ("est.").
    const timed = slow.has(f) ? (quick ? 20 : 60) : steps;
    const start = performance.now();
    for (let s = 0; s < timed; s++) stepAt(s);
    const seconds = ((performance.now() - start) / 1000) * (steps / timed);
    trainer.dispose();
    return timed < steps ? `${format(seconds)} est.` : seconds;
  });
}

function printTables(): void {
  const header = ["workload", "unit", ...frameworks.map((f) => f.name)];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const r of rows) {
    const cells = frameworks.map((f) => {
      const v = cell(r.figures.get(f));
      return v === undefined ? "" : typeof v === "number" ? format(v) : v;
    });
    console.log(`| ${r.label} | ${r.unit} | ${cells.join(" | ")} |`);
  }
  // How many times faster tensortape's fast backend is than each peer.
  console.log("\nSpeed-up of tensortape wasm over TF.js and jax-js (×, higher is better):\n");
  const pairs = [
    [tt1, tfWasm],
    [tt2, tfWasm],
    [tt1, tfCpu],
    [tt2, tfCpu],
    [tt1, jax],
    [tt2, jax],
  ] as const;
  const names = pairs.map(([a, b]) => `${a.name.replace("tensortape ", "")} vs ${b.name}`);
  console.log(`| workload | ${names.join(" | ")} |`);
  console.log(`| --- | ${pairs.map(() => "---").join(" | ")} |`);
  for (const r of rows) {
    const cells = pairs.map(([a, b]) => {
      const va = numeric(cell(r.figures.get(a)));
      const vb = numeric(cell(r.figures.get(b)));
      const ratio = r.higherIsBetter ? va / vb : vb / va;
      return Number.isFinite(ratio) ? `${format(ratio)}×` : "—";
    });
    console.log(`| ${r.label} | ${cells.join(" | ")} |`);
  }
}

/** A row as a section's process writes it: figures by framework name. */
interface RowJson extends Omit<Row, "figures"> {
  readonly figures: [string, Figure[]][];
}

const SECTIONS = ["matmul", "step", "tape", "conv", "gpt", "epoch"] as const;
const sections: Record<(typeof SECTIONS)[number], () => Promise<void>> = {
  matmul: matmulSection,
  step: stepSection,
  tape: tapeSection,
  conv: convSection,
  gpt: gptSection,
  epoch: async () => {
    const mnist = loadMnist();
    await epochSection(mnist);
  },
};
const rowsFile = option("--rows-json");
const chosen = SECTIONS.filter(runs);

/** Sections whose frameworks each run in a process of their own, turn by turn. */
const ISOLATED = new Set<string>(["conv", "gpt"]);

/**
 * Runs `section` in a child process (this script with the same engine flags, and `extra`
 * arguments) and adds the rows it wrote to this one's, a row already here taking the
 * child's figures.
 */
function runSeparately(section: string, extra: readonly string[] = []): void {
  const folder = mkdtempSync(join(tmpdir(), "tensortape-bench-"));
  const file = join(folder, "rows.json");
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      script,
      ...(quick ? ["--quick"] : []),
      "--only",
      section,
      "--rows-json",
      file,
      ...extra,
    ],
    { stdio: "inherit" },
  );
  if (child.status !== 0) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`bench: the ${section} section's process failed (status ${child.status})`);
  }
  const byName = new Map(allFrameworks.map((f) => [f.name, f]));
  for (const row of JSON.parse(readFileSync(file, "utf8")) as RowJson[]) {
    const here = rows.find((r) => r.label === row.label);
    const figures = here?.figures ?? new Map<Framework, Figure[]>();
    for (const [name, values] of row.figures) {
      const f = byName.get(name)!;
      figures.set(f, [...(figures.get(f) ?? []), ...values]);
    }
    if (!here) rows.push({ ...row, figures });
  }
  rmSync(folder, { recursive: true, force: true });
}

const load = () => loadavg()[0]!.toFixed(2);
const loadBefore = load();
const inProcess = rowsFile !== undefined || args.includes("--in-process");
const separately = !inProcess && chosen.length > 1;
for (const section of chosen) {
  if (!inProcess && ISOLATED.has(section)) {
    // Round by round, each framework's turn in a fresh process.
    for (let round = 0; round < rounds; round++) {
      for (const f of allFrameworks) {
        if (round > 0 && onceIn(section).has(f)) continue;
        runSeparately(section, ["--framework", f.name, "--rounds", "1"]);
      }
    }
  } else if (separately) runSeparately(section);
  else await sections[section]();
}
if (rowsFile) {
  const json: RowJson[] = rows.map((r) => ({
    ...r,
    figures: [...r.figures].map(([f, values]) => [f.name, values] as [string, Figure[]]),
  }));
  writeFileSync(rowsFile, JSON.stringify(json));
  process.exit(0);
}

process.stdout.write("\n");
const machine = `${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
const how = `${rounds} round${rounds > 1 ? "s" : ""}, load average ${loadBefore} → ${load()}`;
console.log(`\n${date}, ${machine} (${how})\n`);
if (rows.length > 0) printTables();
if (runs("mnist")) await trainMnist(loadMnist(), quick);
