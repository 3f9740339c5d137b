/**
 * One thread against the default thread count, on the workloads the thread pool must never
 * slow down: single products from small to large, the MNIST MLP's training step, a small
 * MLP's, a small character-level transformer's (width 48, context 32, batch 16), and the rest
 * of bench/'s workloads: an MNIST epoch (bench/mnist.ts), the conv step (bench/conv-step.ts),
 * the GPT step (bench/gpt-step.ts) and attention forward and backward (bench/attention.ts's
 * shapes). For each workload, each of `--pairs` pairs times a block of calls (0.4 s, or
 * two calls of the long workloads) on 1 thread and one on the default, back to back (the
 * default first in odd pairs), so that a change in the machine's load falls on both; the
 * table gives the medians of the blocks' times and of the pairs' ratios (above 1: the
 * default is faster), with the ratios' quartiles, since on a shared machine one ratio says
 * little. With `--busy N` the script starts N busy processes of its own
 * beside the measurement (and stops them at the end). With `--force-threads` the default
 * uses its threads even when the machine is busy (as the backend did before it checked),
 * to measure what they would cost there (every call large enough splits). With
 * `--assume-load L` the backend takes L for the load average and for other processes' use of
 * the cores, so `--assume-load 0` uses the threads whatever the machine's load, with its
 * measured choice of which calls to split.
 *
 *     node --conditions=@tensortape/source --import tsx bench/threads.ts [--pairs 8] [--busy 3]
 *       [--force-threads] [--assume-load 0] [--only matmul]
 *
 * `--only` takes a comma-separated list of label fragments (`--only conv,GPT`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import {
  add,
  Generator,
  gather,
  getNumThreads,
  logSoftmax,
  type MatmulArgs,
  matmul,
  mean,
  mul,
  neg,
  relu,
  scaledDotProductAttention,
  setNumThreads,
  softmax,
  type Tensor,
  tensor,
  wasmBackend,
} from "@tensortape/core";
import { Adam } from "@tensortape/nn";
import { getRuntime } from "../packages/core/src/backend/wasm/runtime.js";
import { getPool, threadTesting } from "../packages/core/src/backend/wasm/thread-pool.js";
import { convStep } from "./conv-step.js";
import { epochOrder, initialWeights, loadMnist } from "./data.js";
import { gptStep } from "./gpt-step.js";
import { tensortape } from "./tensortape.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const pairs = option("--pairs", 8);
const busyCount = option("--busy", 0);
/** How a workload is timed: the default block for calls of up to a few milliseconds. */
interface Block {
  /** Calls made first and not timed (after a thread switch: compile, wake the workers). */
  readonly warm: number;
  /** Time calls until this many seconds have passed... */
  readonly seconds: number;
  /** ...and at least this many calls. */
  readonly calls: number;
}
const shortBlock: Block = { warm: 3, seconds: 0.4, calls: 3 };
/** For workloads of a second or so per call. */
const longBlock: Block = { warm: 1, seconds: 2, calls: 2 };

/** Milliseconds per call of `fn` over one block. */
function blockMs(fn: () => void, { warm, seconds, calls }: Block): number {
  for (let i = 0; i < warm; i++) fn();
  const start = performance.now();
  let done = 0;
  while (done < calls || performance.now() - start < seconds * 1000) {
    fn();
    done++;
  }
  return (performance.now() - start) / done;
}
if (args.includes("--force-threads")) threadTesting.busy = false;
const assumedLoad = option("--assume-load", Number.NaN);
if (!Number.isNaN(assumedLoad)) threadTesting.loadAverage = assumedLoad;

const generator = new Generator(0);
function uniform(shape: number[], scale: number, requiresGrad = false): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = scale * (2 * generator.uniform() - 1);
  return tensor(data, { shape, requiresGrad });
}
function labels(count: number, classes: number, shape: number[]): Tensor {
  const data = Array.from({ length: count }, () => Math.floor(generator.uniform() * classes));
  return tensor(data, { shape, dtype: "int32" });
}

/** A training step of an MLP of `sizes` on batches of `batch`, with Adam. */
function mlpStep(sizes: number[], batch: number): () => void {
  const params: Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    params.push(uniform([sizes[l]!, sizes[l + 1]!], 1 / Math.sqrt(sizes[l]!), true));
    params.push(uniform([sizes[l + 1]!], 0.01, true));
  }
  const optimizer = new Adam(params, { lr: 1e-3 });
  const x = uniform([batch, sizes[0]!], 1);
  const y = labels(batch, sizes.at(-1)!, [batch, 1]);
  return () => {
    let h = x;
    for (let i = 0; i < params.length; i += 2) {
      h = add(matmul(h, params[i]!), params[i + 1]!);
      if (i + 2 < params.length) h = relu(h);
    }
    neg(mean(gather(logSoftmax(h, 1), 1, y))).backward();
    optimizer.step();
    optimizer.zeroGrad();
  };
}

/**
 * A training step of a small character-level transformer: embedding by a one-hot product,
 * two blocks of causal single-head attention and a 4× MLP with residuals, logits over the
 * vocabulary. Width 48, context 32, batch 16, as in the report that motivated the benchmark.
 */
function transformerStep(): () => void {
  const [width, context, batch, vocab, blocks] = [48, 32, 16, 65, 2];
  const params: Tensor[] = [];
  const param = (shape: number[], scale: number) => {
    const p = uniform(shape, scale, true);
    params.push(p);
    return p;
  };
  const embed = param([vocab, width], 0.1);
  const position = param([context, width], 0.1);
  const layers = Array.from({ length: blocks }, () => ({
    qkv: param([width, 3 * width], 1 / Math.sqrt(width)),
    proj: param([width, width], 1 / Math.sqrt(width)),
    up: param([width, 4 * width], 1 / Math.sqrt(width)),
    down: param([4 * width, width], 1 / Math.sqrt(4 * width)),
  }));
  const head = param([width, vocab], 1 / Math.sqrt(width));
  const optimizer = new Adam(params, { lr: 1e-3 });
  const tokens = new Float32Array(batch * context * vocab);
  for (let i = 0; i < batch * context; i++) {
    tokens[i * vocab + Math.floor(generator.uniform() * vocab)] = 1;
  }
  const oneHot = tensor(tokens, { shape: [batch, context, vocab] });
  const targets = labels(batch * context, vocab, [batch, context, 1]);
  const mask = new Float32Array(context * context);
  for (let i = 0; i < context; i++)
    for (let j = i + 1; j < context; j++) mask[i * context + j] = -1e9;
  const causal = tensor(mask, { shape: [context, context] });
  const scale = 1 / Math.sqrt(width);
  return () => {
    let h = add(matmul(oneHot, embed), position); // [batch, context, width]
    for (const layer of layers) {
      const qkv = matmul(h, layer.qkv);
      const q = qkv.slice([0, 0, 0], [batch, context, width]);
      const k = qkv.slice([0, 0, width], [batch, context, 2 * width]);
      const v = qkv.slice([0, 0, 2 * width], [batch, context, 3 * width]);
      const scores = add(mul(matmul(q, k, { transB: true }), scale), causal);
      h = add(h, matmul(matmul(softmax(scores, -1), v), layer.proj));
      h = add(h, matmul(relu(matmul(h, layer.up)), layer.down));
    }
    const logits = matmul(h, head);
    neg(mean(gather(logSoftmax(logits, -1), -1, targets))).backward();
    optimizer.step();
    optimizer.zeroGrad();
  };
}

/** One float32 product m×k×n. */
function product(m: number, k: number, n: number): () => void {
  const a = uniform([m * k], 1).data as Float32Array;
  const b = uniform([k * n], 1).data as Float32Array;
  const out = new Float32Array(m * n);
  const shape: MatmulArgs = { aOffsets: [0], bOffsets: [0], m, k, n, transA: false, transB: false };
  return () => wasmBackend.matmul(a, b, out, shape);
}

/** One epoch of bench/mnist.ts: 784→128→10, Adam 1e-3, batch 128, over the training set. */
function mnistEpoch(): () => void {
  const mnist = loadMnist();
  const sizes = [784, 128, 10];
  const batch = 128;
  const trainer = tensortape("wasm", getNumThreads()).mlp(sizes, initialWeights(sizes, 0), {
    kind: "adam",
    lr: 1e-3,
  });
  const x = new Float32Array(batch * 784);
  const y = new Int32Array(batch);
  const order = epochOrder(mnist.train.count, 0);
  return () => {
    for (let s = 0; s + batch <= mnist.train.count; s += batch) {
      for (let b = 0; b < batch; b++) {
        const i = order[s + b]!;
        x.set(mnist.train.images.subarray(i * 784, (i + 1) * 784), b * 784);
        y[b] = mnist.train.labels[i]!;
      }
      trainer.step(x, y);
    }
  };
}

/** Causal scaledDotProductAttention forward and backward on [n, h, l, e] (bench/attention.ts). */
function attention(n: number, h: number, l: number, e: number): () => void {
  const [q, k, v] = [0, 1, 2].map(() => uniform([n, h, l, e], 1, true)) as [Tensor, Tensor, Tensor];
  const g = uniform([n, h, l, e], 1);
  return () => {
    for (const t of [q, k, v]) t.grad = null;
    scaledDotProductAttention(q, k, v, { isCausal: true }).backward(g);
  };
}

/** Label, a function making the workload (run only when selected), and its block if not the default. */
const workloads: [string, () => () => void, Block?][] = [
  ["matmul 64×64×64", () => product(64, 64, 64)],
  ["matmul 96×96×96", () => product(96, 96, 96)],
  ["matmul 128×128×128", () => product(128, 128, 128)],
  ["matmul 512×48×144", () => product(512, 48, 144)],
  ["matmul 192×192×192", () => product(192, 192, 192)],
  ["matmul 128×784×256", () => product(128, 784, 256)],
  ["matmul 512×512×512", () => product(512, 512, 512)],
  ["MLP 784-256-128-10 step, batch 128", () => mlpStep([784, 256, 128, 10], 128)],
  ["MLP 784-64-10 step, batch 32", () => mlpStep([784, 64, 10], 32)],
  ["MLP 256-128-10 step, batch 64", () => mlpStep([256, 128, 10], 64)],
  ["transformer w48 ctx32 b16 step", () => transformerStep()],
  ["attention [8, 4, 32, 16] fwd+bwd", () => attention(8, 4, 32, 16)],
  ["attention [4, 8, 128, 64] fwd+bwd", () => attention(4, 8, 128, 64)],
  ["attention [1, 8, 512, 64] fwd+bwd", () => attention(1, 8, 512, 64)],
  ["conv step (MNIST CNN, batch 64, Adam)", () => convStep(), longBlock],
  ["GPT step (char-gpt, batch 32, AdamW)", () => gptStep().step, longBlock],
  ["MNIST epoch (784-128-10, Adam, batch 128)", () => mnistEpoch(), longBlock],
];

const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1]!.split(",") : [];
const selected =
  onlyAt >= 0
    ? workloads.filter(([label]) => only.some((part) => label.includes(part)))
    : workloads;
const defaultThreads = getNumThreads();
/**
 * Switches the thread count and waits for the pool's workers, as a long run would have them;
 * then idles a moment, so that starting or stopping workers (V8 isolates, on their own
 * threads) does not fall into the next block's time.
 */
function use(threads: number): void {
  setNumThreads(threads);
  if (threads > 1) getPool(getRuntime()!)?.waitReady(10_000);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
}
const SETTLE_MS = 300;

const busy: ChildProcess[] = [];
const spin = "const end = Date.now() + 900000; while (Date.now() < end);";
for (let i = 0; i < busyCount; i++)
  busy.push(spawn(process.execPath, ["-e", spin], { stdio: "ignore" }));
try {
  const fns = selected.map(([, make]) => make());
  const loads: number[] = [];
  const rows = selected.map(([label, , how], i) => {
    const fn = fns[i]!;
    const block = how ?? shortBlock;
    const one: number[] = [];
    const all: number[] = [];
    const ratios: number[] = [];
    let workerSlices = 0;
    for (let pair = 0; pair < pairs; pair++) {
      // Each pair times a block on one thread and a block on the default back to back, in
      // turns first, so that a change in the machine's load falls on both; its ratio is one
      // sample.
      const order = pair % 2 ? [defaultThreads, 1] : [1, defaultThreads];
      const ms: Record<number, number> = {};
      for (const threads of order) {
        use(threads);
        const pool = threads > 1 ? getPool(getRuntime()!) : null;
        const before = pool?.workerSlices ?? 0;
        ms[threads] = blockMs(fn, block);
        workerSlices += (pool?.workerSlices ?? 0) - before;
      }
      one.push(ms[1]!);
      all.push(ms[defaultThreads]!);
      ratios.push(ms[1]! / ms[defaultThreads]!);
      loads.push(loadavg()[0]!);
    }
    return { label, one, all, ratios, workerSlices };
  });
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => sorted(xs)[xs.length >> 1]!;
  const quartiles = (xs: number[]) => {
    const s = sorted(xs);
    return [s[Math.floor((s.length - 1) / 4)]!, s[Math.ceil((3 * (s.length - 1)) / 4)]!];
  };
  console.log(
    `${availableParallelism()} cores, default ${defaultThreads} threads` +
      `${threadTesting.busy === false ? " (forced on)" : ""}` +
      `${Number.isNaN(assumedLoad) ? "" : ` (load average taken as ${assumedLoad})`}, ` +
      `${busyCount} busy processes, ` +
      `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, ${pairs} pairs\n`,
  );
  console.log(
    "| workload | 1 thread (ms) | default (ms) | 1 thread / default (median) | quartiles | " +
      "slices run by workers |",
  );
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const { label, one, all, ratios, workerSlices } of rows) {
    const [low, high] = quartiles(ratios);
    console.log(
      `| ${label} | ${median(one).toFixed(3)} | ${median(all).toFixed(3)} | ` +
        `${median(ratios).toFixed(2)} | ${low.toFixed(2)}–${high.toFixed(2)} | ${workerSlices} |`,
    );
  }
} finally {
  for (const child of busy) child.kill("SIGKILL");
}
