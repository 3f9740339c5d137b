// One step of each recurrence, shared by the cells (RNNCell, LSTMCell, GRUCell), which take one
// time step per call, and by the sequence layers in rnn.ts, which project every time step's input
// in one matmul first and then run these steps over the projections.
import {
  checkOptions,
  chunk,
  DTypeError,
  formatShape,
  type Generator,
  linear,
  matmul,
  ShapeError,
  split,
  Tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { uniform } from "../init.js";
import { type FloatDType, type Member, Module } from "../module.js";

/** The nonlinearity of an Elman RNN (`RNN`, `RNNCell`). */
export type RNNNonlinearity = "tanh" | "relu";

/** Applies a tensor's nonlinearity by name. */
export function applyNonlinearity(x: Tensor, nonlinearity: RNNNonlinearity): Tensor {
  return nonlinearity === "tanh" ? x.tanh() : x.relu();
}

/** x·Wᵀ (+ b): a projection with the weight stored as PyTorch stores it, [out, in]. */
export function project(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  return linear(x, weight, bias);
}

/**
 * One Elman step: h' = act(gi + h·W_hhᵀ + b_hh), where gi = x·W_ihᵀ + b_ih was computed by the
 * caller (`bHh` null when the caller folded it into gi).
 * gi: [N, H], h: [N, H] → [N, H]
 */
export function rnnStep(
  gi: Tensor,
  h: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  nonlinearity: RNNNonlinearity,
): Tensor {
  return applyNonlinearity(gi.add(project(h, wHh, bHh)), nonlinearity);
}

/**
 * One LSTM step, gates in PyTorch's order i, f, g, o:
 * c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'), then h' = h'·W_hrᵀ with a projection.
 * gi: [N, 4H], h: [N, P or H], c: [N, H] → [h' [N, P or H], c' [N, H]]
 */
export function lstmStep(
  gi: Tensor,
  h: Tensor,
  c: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  wHr: Tensor | null,
): [Tensor, Tensor] {
  const [i, f, g, o] = chunk(gi.add(project(h, wHh, bHh)), 4, -1) as [
    Tensor,
    Tensor,
    Tensor,
    Tensor,
  ];
  const cNext = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  const hNext = o.sigmoid().mul(cNext.tanh());
  return [wHr ? matmul(hNext, wHr, { transB: true }) : hNext, cNext];
}

/**
 * One GRU step, gates in PyTorch's order r, z, n: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
 * n = tanh(gi_n + r·gh_n) with gh = h·W_hhᵀ + b_hh (so b_hn sits inside r·(…), as in PyTorch),
 * h' = (1 − z)·n + z·h, computed as n + z·(h − n).
 * gi: [N, 3H], h: [N, H] → [N, H]
 */
export function gruStep(gi: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  const hidden = h.shape[h.rank - 1]!;
  const gh = project(h, wHh, bHh);
  const [giRz, giN] = split(gi, [2 * hidden, hidden], -1) as [Tensor, Tensor];
  const [ghRz, ghN] = split(gh, [2 * hidden, hidden], -1) as [Tensor, Tensor];
  const [r, z] = chunk(giRz.add(ghRz).sigmoid(), 2, -1) as [Tensor, Tensor];
  const n = giN.add(r.mul(ghN)).tanh();
  return n.add(z.mul(h.sub(n)));
}

/** Throws unless `n` is a positive integer; `what` names it in the message. */
export function checkPositiveInteger(layer: string, what: string, n: unknown): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
    throw new ValueError(layer, `${what} must be a positive integer; got ${String(n)}`);
  }
}

/** Throws unless `value` is undefined or a boolean. */
export function checkBoolean(layer: string, what: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new ValueError(layer, `${what} must be true or false; got ${String(value)}`);
  }
}

/** Throws unless `value` is undefined, "tanh" or "relu". */
export function checkNonlinearity(layer: string, value: unknown): void {
  if (value !== undefined && value !== "tanh" && value !== "relu") {
    throw new ValueError(
      layer,
      `nonlinearity must be "tanh" or "relu"; got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
}

/** Throws unless `value` is a tensor: for callers from JavaScript, where types do not check it. */
export function checkTensor(layer: string, name: string, value: unknown): void {
  if (!(value instanceof Tensor)) {
    throw new ValueError(
      layer,
      `${name} must be a Tensor; got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
}

/** Throws unless an LSTM's `hx` is omitted or a pair of tensors. */
export function checkStatePair(layer: string, hx: unknown, names: readonly [string, string]): void {
  if (hx === undefined) return;
  if (!Array.isArray(hx) || hx.length !== 2 || !hx.every((t) => t instanceof Tensor)) {
    throw new ValueError(
      layer,
      `hx must be a pair [${names[0]}, ${names[1]}] of tensors, or omitted`,
    );
  }
}

/** Throws a `DTypeError` naming the layer unless `x` has the parameters' float dtype. */
export function checkDtype(layer: string, name: string, x: Tensor, weight: Tensor): void {
  if (x.dtype !== weight.dtype) {
    throw new DTypeError(
      layer,
      `the ${name} must have the parameters' dtype`,
      { [name]: x.dtype, parameters: weight.dtype },
      weight.dtype === "float64"
        ? `cast the ${name} with .cast("float64")`
        : `cast the ${name} with .cast("float32"), or convert the module with .to("float64")`,
    );
  }
}

/** PyTorch's initialisation of every recurrent parameter: U(−1/√hidden, 1/√hidden). */
export function recurrentInit(
  hiddenSize: number,
  options: { dtype?: FloatDType; generator?: Generator },
): (shape: readonly number[]) => Tensor {
  const bound = 1 / Math.sqrt(hiddenSize);
  return (shape) =>
    uniform(shape, -bound, bound, { dtype: options.dtype, generator: options.generator });
}

/** Options of `RNNCell`, `LSTMCell` and `GRUCell`. */
export interface RNNCellBaseOptions {
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  readonly bias?: boolean;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Draws the initial parameters. Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/** Options of `RNNCell`. */
export interface RNNCellOptions extends RNNCellBaseOptions {
  /** Default "tanh". */
  readonly nonlinearity?: RNNNonlinearity;
}

const CELL_OPTIONS = ["bias", "dtype", "generator"];

/** The state-dict names of a cell's fields, as PyTorch's cells name them. */
const CELL_NAMES: Record<string, string> = {
  weightIh: "weight_ih",
  weightHh: "weight_hh",
  biasIh: "bias_ih",
  biasHh: "bias_hh",
};

/**
 * What the cells share: PyTorch's parameters `weight_ih` [G·H, in], `weight_hh` [G·H, H],
 * `bias_ih` and `bias_hh` [G·H] (G gates), initialised from U(−1/√H, 1/√H), and the checks of
 * an input [N, in] or unbatched [in] and its states [N, H] or [H].
 */
abstract class RNNCellBase extends Module {
  /** [G·H, inputSize]. */
  weightIh: Tensor;
  /** [G·H, hiddenSize]. */
  weightHh: Tensor;
  /** [G·H], or null without bias. */
  biasIh: Tensor | null;
  /** [G·H], or null without bias. */
  biasHh: Tensor | null;
  /** Features of each input x. */
  readonly inputSize: number;
  /** Features of the hidden state h. */
  readonly hiddenSize: number;
  readonly #layer: string;

  constructor(
    layer: string,
    gates: number,
    inputSize: number,
    hiddenSize: number,
    options: RNNCellBaseOptions,
  ) {
    super();
    checkPositiveInteger(layer, "inputSize", inputSize);
    checkPositiveInteger(layer, "hiddenSize", hiddenSize);
    checkBoolean(layer, "bias", options.bias);
    this.#layer = layer;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const init = recurrentInit(hiddenSize, options);
    const rows = gates * hiddenSize;
    this.weightIh = init([rows, inputSize]);
    this.weightHh = init([rows, hiddenSize]);
    const bias = options.bias ?? true;
    this.biasIh = bias ? init([rows]) : null;
    this.biasHh = bias ? init([rows]) : null;
  }

  override namedMembers(): Member[] {
    return super
      .namedMembers()
      .filter((m) => m.name in CELL_NAMES)
      .map((m) => ({ ...m, name: CELL_NAMES[m.name]! }));
  }

  /**
   * Checks the input and the given states, and returns them batched ([N, in] and [N, H]),
   * with zero states for those not given, and whether the input was unbatched.
   */
  protected prepare(
    input: Tensor,
    states: readonly (Tensor | undefined)[],
    names: readonly string[],
  ): {
    /** The input, batched: [N, inputSize]. */
    x: Tensor;
    /** Each state, batched: [N, hiddenSize]. */
    states: Tensor[];
    /** Whether the input was a single unbatched example. */
    unbatched: boolean;
  } {
    const layer = this.#layer;
    checkTensor(layer, "input", input);
    if (input.rank !== 1 && input.rank !== 2) {
      throw new ShapeError(
        layer,
        `expects input [N, inputSize] or unbatched [inputSize]; got a ${input.rank}-D input`,
        { input: input.shape },
      );
    }
    if (input.shape[input.rank - 1] !== this.inputSize) {
      throw new ShapeError(
        layer,
        `the input's last dimension must be inputSize = ${this.inputSize}`,
        { input: input.shape, weight_ih: this.weightIh.shape },
      );
    }
    checkDtype(layer, "input", input, this.weightIh);
    const unbatched = input.rank === 1;
    const x = unbatched ? input.unsqueeze(0) : input;
    const batch = x.shape[0]!;
    const expected = unbatched ? [this.hiddenSize] : [batch, this.hiddenSize];
    const full = states.map((state, k) => {
      if (state === undefined) {
        return zeros([batch, this.hiddenSize], { dtype: input.dtype, device: input.device });
      }
      checkTensor(layer, names[k]!, state);
      if (state.rank !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(
          layer,
          `${names[k]} must have shape ${formatShape(expected)} for this input`,
          { input: input.shape, [names[k]!]: state.shape },
          unbatched ? "an unbatched input takes unbatched states" : undefined,
        );
      }
      checkDtype(layer, names[k]!, state, this.weightIh);
      return unbatched ? state.unsqueeze(0) : state;
    });
    return { x, states: full, unbatched };
  }

  /** The sizes, and `bias=false` without bias, as PyTorch prints them. */
  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? "" : ", bias=false"}`;
  }
}

/**
 * An Elman RNN cell: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), act tanh or relu, with
 * PyTorch's parameters `weight_ih` [H, in], `weight_hh` [H, H], `bias_ih`, `bias_hh` [H].
 * input: [N, in] or [in], hx: [N, H] or [H] (default zeros) → [N, H] or [H]
 * @example
 * const cell = new RNNCell(10, 20);
 * cell.forward(randn([3, 10])).shape; // [3, 20]
 */
export class RNNCell extends RNNCellBase {
  /** The activation of the hidden state: "tanh" or "relu". */
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    checkOptions("RNNCell", options, [...CELL_OPTIONS, "nonlinearity"]);
    checkNonlinearity("RNNCell", options.nonlinearity);
    super("RNNCell", 1, inputSize, hiddenSize, options);
    this.nonlinearity = options.nonlinearity ?? "tanh";
  }

  override forward(input: Tensor, hx?: Tensor): Tensor {
    const { x, states, unbatched } = this.prepare(input, [hx], ["hx"]);
    const gi = project(x, this.weightIh, this.biasIh);
    const h = rnnStep(gi, states[0]!, this.weightHh, this.biasHh, this.nonlinearity);
    return unbatched ? h.squeeze(0) : h;
  }

  override extraRepr(): string {
    const act = this.nonlinearity === "tanh" ? "" : `, nonlinearity=${this.nonlinearity}`;
    return `${super.extraRepr()}${act}`;
  }
}

/**
 * A long short-term memory cell with PyTorch's gate order i, f, g, o:
 * i, f, o = σ(·), g = tanh(·) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, c' = f·c + i·g,
 * h' = o·tanh(c'). Parameters `weight_ih` [4H, in], `weight_hh` [4H, H], `bias_ih`, `bias_hh` [4H].
 * input: [N, in] or [in], hx: [h, c] each [N, H] or [H] (default zeros) → [h', c']
 * @example
 * const cell = new LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn([3, 10])); // h, c: [3, 20]
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    checkOptions("LSTMCell", options, CELL_OPTIONS);
    super("LSTMCell", 4, inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    checkStatePair("LSTMCell", hx, ["h", "c"]);
    const { x, states, unbatched } = this.prepare(input, [hx?.[0], hx?.[1]], ["h", "c"]);
    const gi = project(x, this.weightIh, this.biasIh);
    const [h, c] = lstmStep(gi, states[0]!, states[1]!, this.weightHh, this.biasHh, null);
    return unbatched ? [h.squeeze(0), c.squeeze(0)] : [h, c];
  }
}

/**
 * A gated recurrent unit cell with PyTorch's gate order r, z, n: r, z = σ(·) of
 * x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)),
 * h' = (1 − z)·n + z·h. Parameters `weight_ih` [3H, in], `weight_hh` [3H, H], `bias_ih`,
 * `bias_hh` [3H].
 * input: [N, in] or [in], hx: [N, H] or [H] (default zeros) → [N, H] or [H]
 * @example
 * const cell = new GRUCell(10, 20);
 * cell.forward(randn([3, 10])).shape; // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    checkOptions("GRUCell", options, CELL_OPTIONS);
    super("GRUCell", 3, inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: Tensor): Tensor {
    const { x, states, unbatched } = this.prepare(input, [hx], ["hx"]);
    const gi = project(x, this.weightIh, this.biasIh);
    const h = gruStep(gi, states[0]!, this.weightHh, this.biasHh);
    return unbatched ? h.squeeze(0) : h;
  }
}
