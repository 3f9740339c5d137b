/**
 * The WebGPU backend's benchmarks, for a machine with a GPU: `pnpm bench --backend webgpu`
 * (add `--quick` for small sizes, e.g. to check the script on SwiftShader). Each figure is
 * the median of several timed runs after a warm-up, every run ending in a read of the result
 * so the GPU's work is inside the time; ratios are to the wasm backend in the same process.
 *
 *   dispatch   per-op cost of a chain of tiny ops (launch overhead), GPU and CPU
 *   tape       forward + backward of a small graph (the tape's overhead), GPU and CPU
 *   matmul     float32 N³ products, TFLOP/s (N = 4096)
 *   mlp        an Adam step of 784→1024→1024→10 at batch 256, ms
 *   gpt        the char-gpt step (width 128, 4 layers, context 64, batch 32), ms
 *   gpt-large  a GPT of width 512, 8 layers, context 256: GPU against wasm on two threads
 */
import {
  getNumThreads,
  initBackend,
  manualSeed,
  matmul,
  randint,
  randn,
  setNumThreads,
  type Tensor,
} from "@tensortape/core";
import { Adam, AdamW, clipGradNorm, crossEntropy, MLP } from "@tensortape/nn";
import { GPT } from "../examples/_lib/gpt.js";

type Device = "cpu" | "webgpu";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1]!.split(",") : undefined;
const runs = (section: string) => !only || only.includes(section);

/** Median milliseconds of `fn` over `repeats` runs after one warm-up run. */
function medianMs(fn: () => void, repeats: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const fmt = (v: number, digits = 2) => v.toFixed(digits);

await initBackend("webgpu");
const runtime = (await import("../packages/core/src/device.js")).deviceRuntime("bench", "webgpu");
console.log(`# WebGPU benchmarks${quick ? " (quick sizes)" : ""}`);
console.log(`adapter: ${(runtime as unknown as { adapterName: string }).adapterName}`);
console.log(`wasm threads: ${getNumThreads()}; load average: ${loadAverage()}\n`);

function loadAverage(): string {
  const os = process.getBuiltinModule?.("node:os") as { loadavg(): number[] } | undefined;
  return os
    ? os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(" ")
    : "n/a";
}

if (runs("dispatch")) {
  const ops = quick ? 200 : 2000;
  const chain = (device: Device) => () => {
    let x = randn([4], { device });
    for (let i = 0; i < ops; i++) x = x.add(1);
    x.data;
  };
  const gpu = medianMs(chain("webgpu"), 5) / ops;
  const cpu = medianMs(chain("cpu"), 5) / ops;
  console.log(
    `dispatch: ${fmt(gpu * 1000, 1)} µs per tiny op on the GPU, ${fmt(cpu * 1000, 1)} µs on the CPU (${fmt(gpu / cpu)}×)`,
  );
}

if (runs("tape")) {
  const graph = (device: Device) => {
    manualSeed(0);
    const model = new MLP([16, 32, 32, 4]).to(device);
    const x = randn([8, 16], { device });
    const y = randint(0, 4, [8], { device });
    return () => {
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      loss.item();
    };
  };
  const gpu = medianMs(graph("webgpu"), 20);
  const cpu = medianMs(graph("cpu"), 20);
  console.log(
    `tape: small MLP forward+backward ${fmt(gpu)} ms on the GPU, ${fmt(cpu)} ms on the CPU (${fmt(gpu / cpu)}×)`,
  );
}

if (runs("matmul")) {
  const n = quick ? 256 : 4096;
  const reps = quick ? 2 : 10;
  const a = randn([n, n], { device: "webgpu" });
  const b = randn([n, n], { device: "webgpu" });
  const ms = medianMs(() => {
    let c: Tensor = a;
    for (let i = 0; i < reps; i++) c = matmul(a, b);
    c.sum().item();
  }, 3);
  const gflops = (2 * n ** 3 * reps) / (ms / 1000) / 1e9;
  console.log(
    `matmul: float32 ${n}³ at ${fmt(gflops / 1000, 3)} TFLOP/s (${fmt(gflops, 1)} GFLOP/s)`,
  );
}

if (runs("mlp")) {
  const widths = quick ? [784, 128, 10] : [784, 1024, 1024, 10];
  const batch = quick ? 32 : 256;
  const step = (device: Device) => {
    manualSeed(0);
    const model = new MLP(widths).to(device);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([batch, 784], { device });
    const y = randint(0, 10, [batch], { device });
    return () => {
      const loss = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      loss.item();
    };
  };
  const gpu = medianMs(step("webgpu"), 10);
  const cpu = medianMs(step("cpu"), 3);
  console.log(
    `mlp: ${widths.join("→")} batch ${batch} Adam step ${fmt(gpu)} ms on the GPU, ${fmt(cpu)} ms wasm (wasm/GPU time ${fmt(cpu / gpu)})`,
  );
}

/** One AdamW step of a GPT, with clipping, on `device`; returns the step. */
function gptStep(
  device: Device,
  config: { width: number; layers: number; heads: number; contextLength: number },
  batch: number,
): () => void {
  manualSeed(0);
  const vocabSize = 65;
  const model = new GPT({ vocabSize, dropout: 0, tieWeights: true, ...config }).to(device);
  const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
  const x = randint(0, vocabSize, [batch, config.contextLength], { device });
  const y = randint(0, vocabSize, [batch, config.contextLength], { device });
  return () => {
    const loss = crossEntropy(model.forward(x).reshape([-1, vocabSize]), y.reshape([-1]));
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 1);
    optimizer.step();
    loss.item();
  };
}

if (runs("gpt")) {
  const config = { width: 128, layers: 4, heads: 4, contextLength: quick ? 16 : 64 };
  const batch = quick ? 4 : 32;
  const gpu = medianMs(gptStep("webgpu", config, batch), quick ? 2 : 10);
  console.log(`gpt: char-gpt step ${fmt(gpu)} ms on the GPU`);
}

if (runs("gpt-large")) {
  const config = quick
    ? { width: 64, layers: 2, heads: 4, contextLength: 32 }
    : { width: 512, layers: 8, heads: 8, contextLength: 256 };
  const batch = quick ? 4 : 16;
  const gpu = medianMs(gptStep("webgpu", config, batch), quick ? 2 : 5);
  setNumThreads(2);
  const cpu = medianMs(gptStep("cpu", config, batch), 1);
  console.log(
    `gpt-large: width ${config.width}, ${config.layers} layers, context ${config.contextLength}, batch ${batch}: ${fmt(gpu)} ms on the GPU, ${fmt(cpu)} ms wasm on 2 threads (wasm/GPU time ${fmt(cpu / gpu)})`,
  );
}
