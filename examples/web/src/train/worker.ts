// Trains the MNIST MLP off the page's thread, so the page never freezes. Steps run in slices
// of about 50 ms; between slices the worker returns to its event loop, to hear "pause" and so
// that the WebAssembly backend's own Web Workers (threads, when the page is cross-origin
// isolated) can start.
import {
  argmax,
  type DeviceName,
  getBackend,
  getNumThreads,
  initBackend,
  manualSeed,
  noGrad,
  type Tensor,
} from "@tensortape/core";
import { DataLoader, type Mnist, mnistFromBuffers, TensorDataset } from "@tensortape/data";
import { Adam, crossEntropy, MLP } from "@tensortape/nn";
import type { FromWorker, ToWorker, Weights } from "./protocol.js";

/** The part of a dedicated worker's global scope used here (the site's types are the DOM's). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker, transfer?: Transferable[]) =>
  scope.postMessage(message, transfer);

/** Test digits the accuracy chart is measured on, every EVALUATE_EVERY steps. */
const EVALUATION_SIZE = 1000;
const EVALUATE_EVERY = 50;
/** How long one slice of steps runs before the worker yields. */
const SLICE_MS = 50;

let mnist: Mnist | undefined;
let model: MLP | undefined;
let hidden: number[] = [];
let paused = false;
let running = false;
let resume: (() => void) | undefined;

/**
 * Where the model trains: the GPU where the browser has WebGPU and an adapter, else the CPU
 * (the WebAssembly backend). Every read below is `await t.read()`, which works on both; a
 * GPU tensor cannot be read synchronously off a thread that may not block.
 */
async function pickDevice(): Promise<DeviceName> {
  if (!("gpu" in navigator)) return "cpu";
  try {
    await initBackend("webgpu");
    return "webgpu";
  } catch {
    return "cpu";
  }
}
const device = pickDevice();

async function fetchBytes(dataUrl: string, name: string): Promise<Uint8Array> {
  const response = await fetch(new URL(name, dataUrl));
  if (!response.ok) throw new Error(`could not fetch ${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function loadMnist(dataUrl: string): Promise<Mnist> {
  if (mnist) return mnist;
  post({ type: "loading", message: "Downloading MNIST (55 MB)…" });
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    fetchBytes(dataUrl, "train-images-idx3-ubyte"),
    fetchBytes(dataUrl, "train-labels-idx1-ubyte"),
    fetchBytes(dataUrl, "t10k-images-idx3-ubyte"),
    fetchBytes(dataUrl, "t10k-labels-idx1-ubyte"),
  ]);
  mnist = mnistFromBuffers(
    { trainImages, trainLabels, testImages, testLabels },
    { normalize: true },
  );
  return mnist;
}

/** The share of rows whose largest score is at the label, computed where the tensors are. */
async function accuracyOf(scores: Tensor, labels: Tensor): Promise<number> {
  const hits = noGrad(() => argmax(scores, 1).eq(labels).cast("float32").mean());
  return (await hits.read())[0]!;
}

/** Accuracy on the first EVALUATION_SIZE test digits. */
async function evaluate(net: MLP, data: Mnist, on: DeviceName): Promise<number> {
  net.eval();
  const x = data.test.images.slice([0], [EVALUATION_SIZE]).to(on);
  const y = data.test.labels.slice([0], [EVALUATION_SIZE]).to(on);
  const accuracy = await accuracyOf(
    noGrad(() => net.forward(x)),
    y,
  );
  net.train();
  return accuracy;
}

const yieldToEventLoop = () => new Promise<void>((done) => setTimeout(done, 0));

async function train(options: Extract<ToWorker, { type: "start" }>): Promise<void> {
  running = true;
  const data = await loadMnist(options.dataUrl);
  post({ type: "loading", message: "Training…" });
  manualSeed(0);
  hidden = options.hidden;
  const on = await device;
  const net = new MLP([784, ...hidden, 10], { activation: "relu" }).to(on);
  model = net;
  const optimizer = new Adam(net.parameters(), { lr: options.lr });
  const loader = new DataLoader(new TensorDataset(data.train.images, data.train.labels), {
    batchSize: options.batchSize,
    shuffle: true,
    seed: 0,
  });
  const totalSteps = options.epochs * loader.length;
  let step = 0;
  let losses: number[] = [];
  let accuracies: number[] = [];
  // Samples per second over the time spent computing, not paused.
  let computeMs = 0;
  let samples = 0;
  const started = performance.now();
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const batches = loader[Symbol.iterator]();
    let sliceStart = performance.now();
    for (;;) {
      const next = batches.next();
      if (next.done) break;
      const batch = next.value as { x: Tensor; y: Tensor };
      const [x, y] = [batch.x.to(on), batch.y.to(on)];
      const logits = net.forward(x);
      const loss = crossEntropy(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      samples += y.shape[0]!;
      losses.push((await loss.read())[0]!);
      accuracies.push(await accuracyOf(logits, y));
      const evaluateNow = step % EVALUATE_EVERY === 0 || step === totalSteps;
      if (evaluateNow || performance.now() - sliceStart > SLICE_MS) {
        computeMs += performance.now() - sliceStart;
        post({
          type: "progress",
          step,
          totalSteps,
          losses,
          accuracies,
          samplesPerSecond: samples / (computeMs / 1000),
        });
        losses = [];
        accuracies = [];
        if (evaluateNow) {
          post({ type: "evaluated", step, testAccuracy: await evaluate(net, data, on) });
        }
        await yieldToEventLoop();
        if (paused) {
          post({ type: "paused", step });
          while (paused) await new Promise<void>((done) => (resume = done));
        }
        sliceStart = performance.now();
      }
    }
  }
  running = false;
  post({ type: "done", step, seconds: (performance.now() - started) / 1000 });
}

async function weights(): Promise<void> {
  if (!model || !mnist) return;
  const state: Weights = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    state[name] = { shape: [...t.shape], data: Float32Array.from(await t.read()) };
  }
  const { mean, std } = mnist.normalization!;
  post(
    { type: "weights", weights: state, hidden, mean, std },
    Object.values(state).map((w) => w.data.buffer),
  );
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "start") {
    if (running) return;
    paused = false;
    train(message).catch((error: unknown) => {
      running = false;
      post({ type: "error", message: error instanceof Error ? error.message : String(error) });
    });
  } else if (message.type === "pause") {
    paused = true;
  } else if (message.type === "resume") {
    paused = false;
    resume?.();
    resume = undefined;
  } else if (message.type === "weights") {
    void weights();
  }
};

void device.then((on) =>
  post({
    type: "ready",
    backend: on === "webgpu" ? "webgpu" : getBackend().name,
    threads: getNumThreads(),
    isolated: scope.crossOriginIsolated,
  }),
);
