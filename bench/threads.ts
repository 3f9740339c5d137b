/**
 * One thread against the default thread count, on the workloads the thread pool must never
 * slow down: single products from small to large, the MNIST MLP's training step, a small
 * MLP's, and a small character-level transformer's (width 48, context 32, batch 16). Each
 * round times every workload on 1 thread and then on the default, so that load from
 * elsewhere falls on both; the table gives the medians over rounds and their ratio (above 1:
 * the default is faster). With `--busy N` the script starts N busy processes of its own
 * beside the measurement (and stops them at the end). With `--force-threads` the default
 * uses its threads even when the machine is busy (as the backend did before it checked),
 * to measure what they would cost there.
 *
 *     node --conditions=@tensortape/source --import tsx bench/threads.ts [--rounds 3] [--busy 3]
 *       [--force-threads] [--only matmul]
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
  setNumThreads,
  softmax,
  type Tensor,
  tensor,
  wasmBackend,
} from "@tensortape/core";
import { Adam } from "@tensortape/nn";
import { getRuntime } from "../packages/core/src/backend/wasm/runtime.js";
import { getPool, threadTesting } from "../packages/core/src/backend/wasm/thread-pool.js";
import { medianMs } from "./measure.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option("--rounds", 3);
const busyCount = option("--busy", 0);
const timing = { seconds: 0.6, samples: 5 };
if (args.includes("--force-threads")) threadTesting.busy = false;

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

const workloads: [string, () => void][] = [
  ["matmul 64×64×64", product(64, 64, 64)],
  ["matmul 96×96×96", product(96, 96, 96)],
  ["matmul 128×128×128", product(128, 128, 128)],
  ["matmul 512×48×144", product(512, 48, 144)],
  ["matmul 192×192×192", product(192, 192, 192)],
  ["matmul 128×784×256", product(128, 784, 256)],
  ["matmul 512×512×512", product(512, 512, 512)],
  ["MLP 784-256-128-10 step, batch 128", mlpStep([784, 256, 128, 10], 128)],
  ["MLP 784-64-10 step, batch 32", mlpStep([784, 64, 10], 32)],
  ["MLP 256-128-10 step, batch 64", mlpStep([256, 128, 10], 64)],
  ["transformer w48 ctx32 b16 step", transformerStep()],
];

const onlyAt = args.indexOf("--only");
const selected =
  onlyAt >= 0 ? workloads.filter(([label]) => label.includes(args[onlyAt + 1]!)) : workloads;
const defaultThreads = getNumThreads();
/** Switches the thread count and waits for the pool's workers, as a long run would have them. */
function use(threads: number): void {
  setNumThreads(threads);
  if (threads > 1) getPool(getRuntime()!)?.waitReady(10_000);
}

const busy: ChildProcess[] = [];
const spin = "const end = Date.now() + 900000; while (Date.now() < end);";
for (let i = 0; i < busyCount; i++)
  busy.push(spawn(process.execPath, ["-e", spin], { stdio: "ignore" }));
try {
  const times = selected.map(() => ({ one: [] as number[], all: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    selected.forEach(([, fn], i) => {
      use(1);
      times[i]!.one.push(medianMs(fn, timing));
      use(defaultThreads);
      times[i]!.all.push(medianMs(fn, timing));
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    `${availableParallelism()} cores, default ${defaultThreads} threads` +
      `${threadTesting.busy === false ? " (forced on)" : ""}, ${busyCount} busy processes, ` +
      `load average ${loadavg()[0]!.toFixed(1)}, ${rounds} rounds\n`,
  );
  console.log(`| workload | 1 thread (ms) | default (ms) | 1 thread / default |`);
  console.log(`| --- | --- | --- | --- |`);
  selected.forEach(([label], i) => {
    const one = median(times[i]!.one);
    const all = median(times[i]!.all);
    console.log(`| ${label} | ${one.toFixed(3)} | ${all.toFixed(3)} | ${(one / all).toFixed(2)} |`);
  });
} finally {
  for (const child of busy) child.kill("SIGKILL");
}
