// The Draw view: a canvas, the 28 × 28 image the model sees, and its probabilities per digit.
import { noGrad, softmax, tensor } from "@tensortape/core";
import { deserializeSafetensors, MLP } from "@tensortape/nn";
import { byId } from "../dom.js";
import type { TrainedModel } from "../train/view.js";
import { SIDE, toMnist } from "./preprocess.js";

/** A classifier with the normalisation its training data had. */
interface Classifier {
  model: MLP;
  mean: number;
  std: number;
}

/** An MLP of the sizes the weights imply, loaded with them. */
function classifier(
  weights: Record<string, { shape: readonly number[]; data: Float32Array }>,
  hidden: number[],
  mean: number,
  std: number,
): Classifier {
  const model = new MLP([SIDE * SIDE, ...hidden, 10], { activation: "relu" });
  const state = Object.fromEntries(
    Object.entries(weights).map(([name, w]) => [name, tensor(w.data, { shape: w.shape })]),
  );
  model.loadStateDict(state);
  model.eval();
  return { model, mean, std };
}

/** The checkpoint `examples/mnist-mlp.ts` trained, shipped with the site. */
async function loadCheckpoint(): Promise<Classifier> {
  const response = await fetch(new URL("models/mnist-mlp.safetensors", document.baseURI));
  if (!response.ok) throw new Error(`could not fetch the checkpoint: HTTP ${response.status}`);
  const { tensors, metadata } = deserializeSafetensors(await response.arrayBuffer(), {
    source: "models/mnist-mlp.safetensors",
  });
  const hidden = (metadata.hidden ?? "").split(",").map(Number);
  const weights = Object.fromEntries(
    Object.entries(tensors).map(([name, t]) => [
      name,
      { shape: t.shape, data: t.data as Float32Array },
    ]),
  );
  return classifier(weights, hidden, Number(metadata.mean), Number(metadata.std));
}

/** Sets up the Draw view; the returned function hands it a model trained on the page. */
export function setUpDraw(requestTrained: () => void): (trained: TrainedModel) => void {
  const canvas = byId<HTMLCanvasElement>("draw-canvas");
  const preview = byId<HTMLCanvasElement>("draw-preview");
  const clearButton = byId<HTMLButtonElement>("draw-clear");
  const choice = byId<HTMLSelectElement>("draw-model");
  const prediction = byId("draw-prediction");
  const body = byId("draw-probabilities").querySelector("tbody")!;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  const previewContext = preview.getContext("2d")!;

  const rows = Array.from({ length: 10 }, (_, digit) => {
    const row = document.createElement("tr");
    row.innerHTML = `<th scope="row">${digit}</th><td><span class="bar"></span><span class="value">–</span></td>`;
    body.append(row);
    return {
      row,
      bar: row.querySelector<HTMLElement>(".bar")!,
      value: row.querySelector<HTMLElement>(".value")!,
    };
  });

  let checkpoint: Classifier | undefined;
  let trained: Classifier | undefined;
  const checkpointLoad = loadCheckpoint().then(
    (loaded) => {
      checkpoint = loaded;
      classify();
    },
    (error: unknown) => {
      prediction.textContent = `The checkpoint did not load: ${error instanceof Error ? error.message : String(error)}`;
    },
  );
  void checkpointLoad;

  function clear(): void {
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    previewContext.clearRect(0, 0, SIDE, SIDE);
    prediction.textContent = "Draw a digit.";
    for (const { bar, value, row } of rows) {
      bar.style.width = "0";
      value.textContent = "–";
      row.classList.remove("best");
    }
    canvas.dataset.prediction = "";
  }

  /** The ink (1 − red) of every canvas pixel: dark strokes on white. */
  function ink(): Float32Array {
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const out = new Float32Array(canvas.width * canvas.height);
    for (let i = 0; i < out.length; i++) out[i] = 1 - data[i * 4]! / 255;
    return out;
  }

  function classify(): void {
    const image = toMnist(ink(), canvas.width, canvas.height);
    if (!image) return;
    const pixels = previewContext.createImageData(SIDE, SIDE);
    for (let i = 0; i < image.length; i++) {
      const v = 255 - Math.round(255 * image[i]!);
      pixels.data.set([v, v, v, 255], i * 4);
    }
    previewContext.putImageData(pixels, 0, 0);
    const net = choice.value === "trained" && trained ? trained : checkpoint;
    if (!net) {
      prediction.textContent = "Loading the model…";
      return;
    }
    const x = tensor(
      image.map((v) => (v - net.mean) / net.std),
      { shape: [1, SIDE * SIDE] },
    );
    const probabilities = noGrad(() => softmax(net.model.forward(x), 1)).data as Float32Array;
    let best = 0;
    for (let d = 1; d < 10; d++) if (probabilities[d]! > probabilities[best]!) best = d;
    rows.forEach(({ bar, value, row }, d) => {
      const p = probabilities[d]!;
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      value.textContent = `${(100 * p).toFixed(1)} %`;
      row.classList.toggle("best", d === best);
    });
    const source = net === trained ? "the model trained here" : "the shipped checkpoint";
    prediction.textContent = `${best} (${(100 * probabilities[best]!).toFixed(1)} %, by ${source})`;
    canvas.dataset.prediction = String(best);
  }

  // Drawing: one stroke per pointer from down to up, classified at most once a frame.
  let last: { x: number; y: number } | undefined;
  let frame = 0;
  const scheduleClassify = () => {
    if (frame === 0) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        classify();
      });
    }
  };
  const point = (event: PointerEvent) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * canvas.height) / rect.height,
    };
  };
  context.lineCap = "round";
  context.lineJoin = "round";
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    context.fillStyle = "#000000";
    context.beginPath();
    context.arc(last.x, last.y, 11, 0, 2 * Math.PI);
    context.fill();
    scheduleClassify();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = point(event);
    context.strokeStyle = "#000000";
    context.lineWidth = 22;
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
    scheduleClassify();
  });
  const end = () => {
    last = undefined;
    scheduleClassify();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  // Keyboard: a digit key draws that digit in the page's font; Delete or Backspace clears.
  canvas.tabIndex = 0;
  canvas.addEventListener("keydown", (event) => {
    if (/^[0-9]$/.test(event.key)) {
      clear();
      context.fillStyle = "#000000";
      context.font = "bold 200px sans-serif";
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(event.key, canvas.width / 2, canvas.height / 2 + 10);
      classify();
      event.preventDefault();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      clear();
      event.preventDefault();
    }
  });
  clearButton.addEventListener("click", clear);
  choice.addEventListener("change", () => {
    if (choice.value === "trained") requestTrained();
    else classify();
  });
  clear();

  return (model) => {
    trained = classifier(model.weights, model.hidden, model.mean, model.std);
    classify();
  };
}
