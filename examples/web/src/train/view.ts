// The Train view: starts the worker, draws its progress as uPlot charts and as text.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { byId } from "../dom.js";
import type { FromWorker, ToWorker, Weights } from "./protocol.js";

/** The hidden layer's width: small enough to train in seconds, as the shipped checkpoint. */
const HIDDEN = [128];

/** What the Draw view needs of a model trained here. */
export interface TrainedModel {
  weights: Weights;
  hidden: number[];
  mean: number;
  std: number;
}

/** Mean of the last `n` values. */
function recentMean(values: readonly number[], n: number): number {
  const tail = values.slice(-n);
  return tail.reduce((s, v) => s + v, 0) / tail.length;
}

function chart(element: HTMLElement, series: uPlot.Series[], yLabel: string): uPlot {
  const width = () => Math.max(240, Math.min(element.clientWidth || 480, 640));
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      series: [{ label: "step" }, ...series],
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: yLabel }],
      legend: { live: false },
    },
    [[], ...series.map(() => [])],
    element,
  );
  new ResizeObserver(() => plot.setSize({ width: width(), height: 220 })).observe(element);
  return plot;
}

/** Sets up the Train view; `onWeights` receives the trained model whenever the worker sends it. */
export function setUpTrain(onWeights: (model: TrainedModel) => void): {
  requestWeights(): void;
  hasModel(): boolean;
} {
  const form = byId<HTMLFormElement>("train-form");
  const startButton = byId<HTMLButtonElement>("train-start");
  const pauseButton = byId<HTMLButtonElement>("train-pause");
  const progress = byId<HTMLProgressElement>("train-progress");
  const status = byId("train-status");
  const text = {
    step: byId("train-step"),
    loss: byId("train-loss"),
    accuracy: byId("train-accuracy"),
    testAccuracy: byId("train-test-accuracy"),
    rate: byId("train-rate"),
    backend: byId("train-backend"),
  };
  byId("train-hidden").textContent = HIDDEN.join(" → ");

  const steps: number[] = [];
  const losses: number[] = [];
  const smoothLosses: number[] = [];
  const accuracies: number[] = [];
  const smoothAccuracies: number[] = [];
  const testAccuracies: (number | null)[] = [];
  let firstLoss: number | undefined;
  const lossChart = chart(
    byId("chart-loss"),
    [
      { label: "mini-batch", stroke: "#9db4d0", width: 1 },
      { label: "mean of 20", stroke: "#1f5fa8", width: 2 },
    ],
    "loss",
  );
  const accuracyChart = chart(
    byId("chart-accuracy"),
    [
      { label: "mini-batches (mean of 20)", stroke: "#2f8f5b", width: 2 },
      { label: "test", stroke: "#c2410c", width: 2, points: { show: true, size: 6 } },
    ],
    "accuracy",
  );

  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToWorker) => worker.postMessage(message);
  let paused = false;
  let trained = false;

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    switch (message.type) {
      case "ready":
        text.backend.textContent =
          `${message.backend}, ${message.threads} thread${message.threads === 1 ? "" : "s"}` +
          (message.isolated ? "" : " (page not cross-origin isolated)");
        break;
      case "loading":
        status.textContent = message.message;
        break;
      case "progress": {
        const first = message.step - message.losses.length + 1;
        message.losses.forEach((loss, i) => {
          steps.push(first + i);
          losses.push(loss);
          accuracies.push(message.accuracies[i]!);
          smoothLosses.push(recentMean(losses, 20));
          smoothAccuracies.push(recentMean(accuracies, 20));
          testAccuracies.push(null);
        });
        firstLoss ??= losses[0];
        lossChart.setData([steps, losses, smoothLosses]);
        accuracyChart.setData([steps, smoothAccuracies, testAccuracies]);
        const loss = smoothLosses.at(-1)!;
        progress.max = message.totalSteps;
        progress.value = message.step;
        text.step.textContent = `${message.step} of ${message.totalSteps}`;
        text.loss.textContent = `${loss.toFixed(4)} (first step ${firstLoss!.toFixed(4)})`;
        text.accuracy.textContent = `${(100 * smoothAccuracies.at(-1)!).toFixed(1)} %`;
        text.rate.textContent = Math.round(message.samplesPerSecond).toLocaleString("en");
        progress.setAttribute("aria-valuetext", `step ${message.step} of ${message.totalSteps}`);
        if (!paused)
          status.textContent = `Training: step ${message.step} of ${message.totalSteps}.`;
        if (!trained) {
          trained = true;
          const option =
            byId<HTMLOptionElement>("draw-model").querySelector<HTMLOptionElement>(
              'option[value="trained"]',
            )!;
          option.disabled = false;
        }
        break;
      }
      case "evaluated": {
        const at = steps.lastIndexOf(message.step);
        if (at >= 0) testAccuracies[at] = message.testAccuracy;
        text.testAccuracy.textContent = `${(100 * message.testAccuracy).toFixed(1)} % at step ${message.step}`;
        break;
      }
      case "paused":
        status.textContent = `Paused at step ${message.step}.`;
        break;
      case "done":
        status.textContent = `Done: ${message.step} steps in ${message.seconds.toFixed(1)} s.`;
        pauseButton.disabled = true;
        startButton.disabled = false;
        send({ type: "weights" });
        break;
      case "weights":
        onWeights(message);
        break;
      case "error":
        status.textContent = `Training failed: ${message.message}`;
        startButton.disabled = false;
        pauseButton.disabled = true;
        break;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    startButton.disabled = true;
    pauseButton.disabled = false;
    paused = false;
    pauseButton.textContent = "Pause";
    for (const series of [
      steps,
      losses,
      smoothLosses,
      accuracies,
      smoothAccuracies,
      testAccuracies,
    ])
      series.length = 0;
    firstLoss = undefined;
    send({
      type: "start",
      dataUrl: new URL("mnist/", document.baseURI).href,
      batchSize: Number(data.get("batch")),
      lr: Number(data.get("lr")),
      epochs: Number(data.get("epochs")),
      hidden: HIDDEN,
    });
  });

  pauseButton.addEventListener("click", () => {
    paused = !paused;
    send({ type: paused ? "pause" : "resume" });
    pauseButton.textContent = paused ? "Resume" : "Pause";
    status.textContent = paused ? "Pausing…" : "Training…";
  });

  return {
    requestWeights: () => send({ type: "weights" }),
    hasModel: () => trained,
  };
}
