// Trains the MNIST MLP off the page's thread, so the page never freezes. Steps run in slices
// of about 50 ms; between slices the worker returns to its event loop, to hear "pause" and so
// that the WebAssembly backend's own Web Workers (threads, when the page is cross-origin
// isolated) can start.
import {
  argmax,
  getBackend,
  getNumThreads,
  manualSeed,
  noGrad,
  type Tensor,
} from "@tensortape/core";
import { DataLoader, type Mnist, mnistFromBuffers, TensorDataset } from "@tensortape/data";
import { Adam, accuracy, crossEntropy, MLP } from "@tensortape/nn";
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

/** Accuracy on the first EVALUATION_SIZE test digits. */
function evaluate(net: MLP, data: Mnist): number {
  net.eval();
  const x = data.test.images.slice([0], [EVALUATION_SIZE]);
  const y = data.test.labels.slice([0], [EVALUATION_SIZE]);
  const predicted = noGrad(() => argmax(net.forward(x), 1));
  net.train();
  let correct = 0;
  for (let i = 0; i < EVALUATION_SIZE; i++) if (predicted.data[i] === y.data[i]) correct++;
  return correct / EVALUATION_SIZE;
}

const yieldToEventLoop = () => new Promise<void>((done) => setTimeout(done, 0));

async function train(options: Extract<ToWorker, { type: "start" }>): Promise<void> {
  running = true;
  const data = await loadMnist(options.dataUrl);
  post({ type: "loading", message: "Training…" });
  manualSeed(0);
  hidden = options.hidden;
  const net = new MLP([784, ...hidden, 10], { activation: "relu" });
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
      const { x, y } = next.value as { x: Tensor; y: Tensor };
      const logits = net.forward(x);
      const loss = crossEntropy(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      samples += y.shape[0]!;
      losses.push(loss.item());
      accuracies.push(accuracy(logits, y));
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
        if (evaluateNow) post({ type: "evaluated", step, testAccuracy: evaluate(net, data) });
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

function weights(): void {
  if (!model || !mnist) return;
  const state: Weights = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    state[name] = { shape: [...t.shape], data: Float32Array.from(t.data as Float32Array) };
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
    weights();
  }
};

post({
  type: "ready",
  backend: getBackend().name,
  threads: getNumThreads(),
  isolated: scope.crossOriginIsolated,
});
