import {
  checkOptions,
  concat,
  formatShape,
  type Generator,
  getDefaultGenerator,
  ShapeError,
  split,
  stack,
  type Tensor,
  tensor,
  unbind,
  ValueError,
  zeros,
} from "@tensortape/core";
import { type FloatDType, type Member, Module } from "../module.js";
import {
  checkBoolean,
  checkDtype,
  checkNonlinearity,
  checkPositiveInteger,
  checkStatePair,
  checkTensor,
  gruStep,
  lstmStep,
  project,
  type RNNNonlinearity,
  recurrentInit,
  rnnStep,
} from "./cells.js";

/** Options every recurrent sequence layer (`RNN`, `LSTM`, `GRU`) takes. */
export interface RNNBaseOptions {
  /** Recurrent layers stacked, each reading the previous one's output sequence. Default 1. */
  readonly numLayers?: number;
  /** Learn the biases `bias_ih_l{k}` and `bias_hh_l{k}` (default true). */
  readonly bias?: boolean;
  /** Input and output as [N, L, features] instead of [L, N, features]; states are never batch-first. Default false. */
  readonly batchFirst?: boolean;
  /** Dropout probability on each layer's output but the last, in training mode only. Default 0. */
  readonly dropout?: number;
  /** Run a second recurrence backwards over the sequence and concatenate the two. Default false. */
  readonly bidirectional?: boolean;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /**
   * Draws the initial parameters and, at each training call, the dropout masks. Default: the
   * generator seeded by `manualSeed`, read at each use.
   */
  readonly generator?: Generator;
}

/** Options of `RNN`. */
export interface RNNOptions extends RNNBaseOptions {
  /** Default "tanh". */
  readonly nonlinearity?: RNNNonlinearity;
}

/** Options of `LSTM`. */
export interface LSTMOptions extends RNNBaseOptions {
  /**
   * With a positive size P < hiddenSize, each h is projected to P features by `weight_hr_l{k}`
   * [P, hiddenSize] (an LSTM with projections, as PyTorch's proj_size). Default 0: none.
   */
  readonly projSize?: number;
}

/** Options of `GRU`. */
export type GRUOptions = RNNBaseOptions;

const BASE_OPTIONS = [
  "numLayers",
  "bias",
  "batchFirst",
  "dropout",
  "bidirectional",
  "dtype",
  "generator",
];

type Mode = "RNN" | "LSTM" | "GRU";

const GATES: Record<Mode, number> = { RNN: 1, LSTM: 4, GRU: 3 };

/** The parameters of one layer in one direction. */
interface DirectionWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
  weightHr: Tensor | null;
}

/** The fields of `DirectionWeights` in PyTorch's order, with PyTorch's names. */
const PYTORCH_NAMES = [
  ["weightIh", "weight_ih"],
  ["weightHh", "weight_hh"],
  ["biasIh", "bias_ih"],
  ["biasHh", "bias_hh"],
  ["weightHr", "weight_hr"],
] as const;

/**
 * Splits x [T, ...] into its T steps [...]. Slicing each step straight out of x costs O(T²) in
 * the backward pass, since each slice's gradient is a zero tensor of x's whole shape with one
 * step filled in (an LSTM's backward over 256 steps of 32 took 8× longer that way). Halving
 * recursively makes every gradient the size of its parent: O(T log T) backward, for log T
 * copies of x forward; parts of a few steps are sliced directly, which saves copies and costs
 * no more.
 */
function timeSteps(x: Tensor): Tensor[] {
  const steps: Tensor[] = [];
  const halve = (part: Tensor): void => {
    const n = part.shape[0]!;
    if (n <= 4) {
      steps.push(...unbind(part, 0));
      return;
    }
    const [first, second] = split(part, [n >> 1, n - (n >> 1)], 0) as [Tensor, Tensor];
    halve(first);
    halve(second);
  };
  halve(x);
  return steps;
}

/**
 * What RNN, LSTM and GRU share: PyTorch's parameters per layer k and direction
 * (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, `weight_hr_l{k}` with
 * projections, `_reverse` appended for the backward direction), their initialisation
 * U(−1/√hidden, 1/√hidden), the shape checks, and the layer loop. Each layer projects the
 * inputs of all time steps in one matmul, then runs the recurrence step by step.
 */
abstract class RNNBase extends Module {
  /** Features of each input step. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Number of stacked recurrent layers. */
  readonly numLayers: number;
  /** Whether the layers have bias terms. */
  readonly bias: boolean;
  /** Whether inputs and outputs are [N, L, features] rather than [L, N, features]. */
  readonly batchFirst: boolean;
  /** Dropout probability on each layer's output except the last, in training. */
  readonly dropout: number;
  /** Whether each layer also runs backwards, doubling the output features. */
  readonly bidirectional: boolean;
  /** The LSTM's projection size; 0 without projections (and for RNN and GRU). */
  readonly projSize: number;
  readonly #mode: Mode;
  readonly #layer: string;
  readonly #nonlinearity: RNNNonlinearity;
  readonly #generator: Generator | undefined;
  /** Per layer and direction, layer-major: [l0, l0_reverse, l1, l1_reverse, ...]. */
  readonly #weights: DirectionWeights[];

  constructor(
    layer: string,
    mode: Mode,
    inputSize: number,
    hiddenSize: number,
    options: RNNBaseOptions & { projSize?: number; nonlinearity?: RNNNonlinearity },
  ) {
    super();
    checkPositiveInteger(layer, "inputSize", inputSize);
    checkPositiveInteger(layer, "hiddenSize", hiddenSize);
    const numLayers = options.numLayers ?? 1;
    checkPositiveInteger(layer, "numLayers", numLayers);
    for (const key of ["bias", "batchFirst", "bidirectional"] as const) {
      checkBoolean(layer, key, options[key]);
    }
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) {
      throw new ValueError(
        layer,
        `dropout must be a probability in [0, 1]; got ${String(dropout)}`,
      );
    }
    const projSize = options.projSize ?? 0;
    if (typeof projSize !== "number" || !Number.isInteger(projSize) || projSize < 0) {
      throw new ValueError(
        layer,
        `projSize must be a non-negative integer; got ${String(projSize)}`,
      );
    }
    if (projSize >= hiddenSize) {
      throw new ValueError(
        layer,
        `projSize must be smaller than hiddenSize; got projSize ${projSize} and hiddenSize ${hiddenSize}`,
      );
    }
    this.#layer = layer;
    this.#mode = mode;
    this.#nonlinearity = options.nonlinearity ?? "tanh";
    this.#generator = options.generator;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;

    const init = recurrentInit(hiddenSize, options);
    const rows = GATES[mode] * hiddenSize;
    const out = this.#outputSize();
    const directions = this.bidirectional ? 2 : 1;
    this.#weights = [];
    for (let l = 0; l < numLayers; l++) {
      const inFeatures = l === 0 ? inputSize : out * directions;
      for (let d = 0; d < directions; d++) {
        // Drawn in PyTorch's order: w_ih, w_hh, b_ih, b_hh, w_hr.
        const weightIh = init([rows, inFeatures]);
        const weightHh = init([rows, out]);
        const biasIh = this.bias ? init([rows]) : null;
        const biasHh = this.bias ? init([rows]) : null;
        const weightHr = projSize > 0 ? init([projSize, hiddenSize]) : null;
        this.#weights.push({ weightIh, weightHh, biasIh, biasHh, weightHr });
      }
    }
  }

  /** Features of h: projSize with projections, else hiddenSize. */
  #outputSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /**
   * The parameters of each layer and direction in PyTorch's order (`all_weights`):
   * [[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0], [weight_ih_l0_reverse, ...], ...].
   */
  get allWeights(): Tensor[][] {
    return this.#weights.map((w) =>
      PYTORCH_NAMES.map(([key]) => w[key]).filter((t): t is Tensor => t !== null),
    );
  }

  override namedMembers(): Member[] {
    const directions = this.bidirectional ? 2 : 1;
    return this.#weights.flatMap((w, k) => {
      const suffix = `_l${Math.floor(k / directions)}${k % directions === 1 ? "_reverse" : ""}`;
      return PYTORCH_NAMES.filter(([key]) => w[key] !== null).map(([key, name]) => ({
        name: `${name}${suffix}`,
        owner: w,
        key,
      }));
    });
  }

  /**
   * Runs every layer over the sequence. `states` holds the initial states given (h, and c for
   * the LSTM), each [numLayers·numDirections, N, size] or unbatched [numLayers·numDirections,
   * size], undefined for zeros; returns the last layer's outputs and each state's final values
   * in the same layout.
   */
  protected runSequence(
    input: Tensor,
    states: readonly (Tensor | undefined)[],
    names: readonly string[],
  ): {
    /** The last layer's output at every step. */
    output: Tensor;
    /** Each state's final values, in the layout of `states`. */
    finals: Tensor[];
  } {
    const layer = this.#layer;
    const first = this.#weights[0]!;
    const order = this.batchFirst ? "N, L" : "L, N";
    checkTensor(layer, "input", input);
    if (input.rank !== 2 && input.rank !== 3) {
      throw new ShapeError(
        layer,
        `expects input [${order}, inputSize] or unbatched [L, inputSize]; got a ${input.rank}-D input`,
        { input: input.shape },
      );
    }
    if (input.shape[input.rank - 1] !== this.inputSize) {
      throw new ShapeError(
        layer,
        `the input's last dimension must be inputSize = ${this.inputSize}`,
        { input: input.shape, weight_ih_l0: first.weightIh.shape },
      );
    }
    checkDtype(layer, "input", input, first.weightIh);
    const batched = input.rank === 3;
    // Time-major [L, N, features] inside.
    let x = !batched ? input.unsqueeze(1) : this.batchFirst ? input.transpose([1, 0, 2]) : input;
    const [steps, batch] = [x.shape[0]!, x.shape[1]!];
    if (steps === 0) {
      throw new ShapeError(layer, "the sequence must have at least one step", {
        input: input.shape,
      });
    }
    const directions = this.bidirectional ? 2 : 1;
    const count = this.numLayers * directions;
    const sizes = this.#mode === "LSTM" ? [this.#outputSize(), this.hiddenSize] : [this.hiddenSize];
    const initial = sizes.map((size, j) => {
      const given = states[j];
      if (given === undefined) return null;
      checkTensor(layer, names[j]!, given);
      const expected = batched ? [count, batch, size] : [count, size];
      if (given.rank !== expected.length || given.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(
          layer,
          `${names[j]} must have shape ${formatShape(expected)} for this input`,
          { input: input.shape, [names[j]!]: given.shape },
          batched
            ? "[numLayers·numDirections, N, size]; states are never batch-first"
            : "an unbatched input takes unbatched states [numLayers·numDirections, size]",
        );
      }
      checkDtype(layer, names[j]!, given, first.weightIh);
      const perLayer = batched ? given : given.unsqueeze(1);
      return count === 1 ? [perLayer.reshape([batch, size])] : unbind(perLayer, 0);
    });

    const finals: Tensor[][] = sizes.map(() => []);
    for (let l = 0; l < this.numLayers; l++) {
      const inFeatures = x.shape[2]!;
      const flat = x.reshape([steps * batch, inFeatures]);
      const outputs: Tensor[] = [];
      for (let d = 0; d < directions; d++) {
        const k = l * directions + d;
        const w = this.#weights[k]!;
        const projected = project(flat, w.weightIh, this.#inputBias(w));
        const inputs = timeSteps(projected.reshape([steps, batch, projected.shape[1]!]));
        let state = sizes.map(
          (size, j) =>
            initial[j]?.[k] ?? zeros([batch, size], { dtype: input.dtype, device: input.device }),
        );
        const hs = new Array<Tensor>(steps);
        for (let i = 0; i < steps; i++) {
          const t = d === 0 ? i : steps - 1 - i;
          state = this.#step(w, inputs[t]!, state);
          hs[t] = state[0]!;
        }
        outputs.push(stack(hs, 0));
        state.forEach((s, j) => {
          finals[j]!.push(s);
        });
      }
      x = directions === 2 ? concat(outputs, 2) : outputs[0]!;
      if (l < this.numLayers - 1) x = this.#dropBetweenLayers(x);
    }
    const output = !batched ? x.squeeze(1) : this.batchFirst ? x.transpose([1, 0, 2]) : x;
    return {
      output,
      finals: finals.map((list) => {
        const s = stack(list, 0);
        return batched ? s : s.squeeze(1);
      }),
    };
  }

  /**
   * The bias added to the projected inputs: b_ih + b_hh for RNN and LSTM, where both are
   * added before any nonlinearity, so the step adds none; only b_ih for the GRU, whose b_hn
   * must stay inside r·(h·W_hnᵀ + b_hn).
   */
  #inputBias(w: DirectionWeights): Tensor | null {
    if (!w.biasIh || !w.biasHh) return null;
    return this.#mode === "GRU" ? w.biasIh : w.biasIh.add(w.biasHh);
  }

  /** One time step of one layer and direction: the next states from gi = x·W_ihᵀ + bias. */
  #step(w: DirectionWeights, gi: Tensor, state: readonly Tensor[]): Tensor[] {
    switch (this.#mode) {
      case "LSTM":
        return lstmStep(gi, state[0]!, state[1]!, w.weightHh, null, w.weightHr);
      case "GRU":
        return [gruStep(gi, state[0]!, w.weightHh, w.biasHh)];
      case "RNN":
        return [rnnStep(gi, state[0]!, w.weightHh, null, this.#nonlinearity)];
    }
  }

  /** Inverted dropout, as `Dropout`: zero with probability p, scale the rest by 1 / (1 − p). */
  #dropBetweenLayers(x: Tensor): Tensor {
    if (!this.training || this.dropout === 0) return x;
    const generator = this.#generator ?? getDefaultGenerator();
    const keep = 1 - this.dropout;
    const scale = keep === 0 ? 0 : 1 / keep;
    const mask = new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.uniform() < keep ? scale : 0;
    return x.mul(tensor(mask, { shape: x.shape, dtype: x.dtype, device: x.device }));
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.projSize > 0) parts.push(`projSize=${this.projSize}`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (this.#mode === "RNN" && this.#nonlinearity !== "tanh") {
      parts.push(`nonlinearity=${this.#nonlinearity}`);
    }
    if (!this.bias) parts.push("bias=false");
    if (this.batchFirst) parts.push("batchFirst=true");
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push("bidirectional=true");
    return parts.join(", ");
  }
}

/**
 * A multi-layer Elman RNN, h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) with act tanh
 * or relu, as torch.nn.RNN: same parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`...),
 * shapes and initialisation, so PyTorch's state dicts load unchanged.
 * input: [L, N, in] ([N, L, in] with batchFirst) or [L, in]; hx: [layers·dirs, N, H] or
 * [layers·dirs, H] (default zeros) → [output [L, N, dirs·H], h_n [layers·dirs, N, H]]
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [output, hn] = rnn.forward(randn([5, 3, 10])); // output [5, 3, 20], hn [2, 3, 20]
 */
export class RNN extends RNNBase {
  /** The activation of the hidden state: "tanh" or "relu". */
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    checkOptions("RNN", options, [...BASE_OPTIONS, "nonlinearity"]);
    checkNonlinearity("RNN", options.nonlinearity);
    super("RNN", "RNN", inputSize, hiddenSize, options);
    this.nonlinearity = options.nonlinearity ?? "tanh";
  }

  override forward(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    const { output, finals } = this.runSequence(input, [hx], ["hx"]);
    return [output, finals[0]!];
  }
}

/**
 * A multi-layer long short-term memory, as torch.nn.LSTM: gates in PyTorch's order i, f, g, o,
 * c_t = f·c_{t−1} + i·g, h_t = o·tanh(c_t) (times `weight_hr` with projSize), with PyTorch's
 * parameter names, shapes and initialisation.
 * input: [L, N, in] ([N, L, in] with batchFirst) or [L, in]; hx: [h_0, c_0], each
 * [layers·dirs, N, H] or [layers·dirs, H] (default zeros) →
 * [output [L, N, dirs·H], [h_n, c_n]] (h is P wide with projSize P)
 * @example
 * const lstm = new LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [output, [hn, cn]] = lstm.forward(randn([3, 5, 10])); // output [3, 5, 20], hn and cn [2, 3, 20]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    checkOptions("LSTM", options, [...BASE_OPTIONS, "projSize"]);
    super("LSTM", "LSTM", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    checkStatePair("LSTM", hx, ["h_0", "c_0"]);
    const { output, finals } = this.runSequence(input, [hx?.[0], hx?.[1]], ["h_0", "c_0"]);
    return [output, [finals[0]!, finals[1]!]];
  }
}

/**
 * A multi-layer gated recurrent unit, as torch.nn.GRU: gates in PyTorch's order r, z, n,
 * n_t = tanh(x_t·W_inᵀ + b_in + r·(h_{t−1}·W_hnᵀ + b_hn)), h_t = (1 − z)·n_t + z·h_{t−1}, with
 * PyTorch's parameter names, shapes and initialisation.
 * input: [L, N, in] ([N, L, in] with batchFirst) or [L, in]; hx: [layers·dirs, N, H] or
 * [layers·dirs, H] (default zeros) → [output [L, N, dirs·H], h_n [layers·dirs, N, H]]
 * @example
 * const gru = new GRU(10, 20, { bidirectional: true });
 * const [output, hn] = gru.forward(randn([5, 3, 10])); // output [5, 3, 40], hn [2, 3, 20]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: GRUOptions = {}) {
    checkOptions("GRU", options, BASE_OPTIONS);
    super("GRU", "GRU", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    const { output, finals } = this.runSequence(input, [hx], ["hx"]);
    return [output, finals[0]!];
  }
}
