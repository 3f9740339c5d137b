import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  DTypeError,
  Generator,
  manualSeed,
  OptionError,
  oneHot,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import {
  Adam,
  crossEntropy,
  Dense,
  functionalCall,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  Module,
  RNN,
  RNNCell,
  type StateDict,
} from "@tensortape/nn";
import { loadSafetensors } from "@tensortape/nn/node";
import { describe, expect, test } from "vitest";

interface Packed {
  shape: number[];
  data: number[];
}

interface Case {
  name: string;
  kind: "RNN" | "LSTM" | "GRU" | "RNNCell" | "LSTMCell" | "GRUCell";
  inputSize: number;
  hiddenSize: number;
  options: Record<string, unknown>;
  state: Record<string, Packed>;
  input: Packed;
  hx: Packed[] | null;
  output: Packed | null;
  finals: Packed[];
  upstream: Packed[];
  grads: { input: Packed; hx: Packed[]; parameters: Record<string, Packed> };
}

const fixture = (name: string) => new URL(`./fixtures/rnn/${name}`, import.meta.url);

const { cases } = JSON.parse(readFileSync(fixture("reference.json"), "utf8")) as {
  cases: Case[];
};

const unpack = (p: Packed, requiresGrad = false): Tensor =>
  tensor(p.data, { shape: p.shape, dtype: "float64", requiresGrad });

const CLASSES = { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell };

/** Runs a module of any kind with the initial states given (or none), as PyTorch's call. */
function run(module: Module, kind: Case["kind"], x: Tensor, hx: Tensor[] | null): Tensor[] {
  const call = module as unknown as { forward(x: Tensor, hx?: unknown): unknown };
  const lstm = kind.startsWith("LSTM");
  const result = call.forward(x, hx === null ? undefined : lstm ? [hx[0], hx[1]] : hx[0]);
  if (kind.endsWith("Cell")) return lstm ? (result as Tensor[]) : [result as Tensor];
  const [output, rest] = result as [Tensor, Tensor | Tensor[]];
  return [output, ...(lstm ? (rest as Tensor[]) : [rest as Tensor])];
}

describe("against PyTorch in float64 (fixtures/rnn/generate.py)", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const module = new CLASSES[c.kind](c.inputSize, c.hiddenSize, {
      ...c.options,
      dtype: "float64",
    });
    const state: StateDict = Object.fromEntries(
      Object.entries(c.state).map(([name, p]) => [name, unpack(p)]),
    );
    module.loadStateDict(state);
    expect(module.namedParameters().map(([n]) => n)).toEqual(Object.keys(c.state));

    const x = unpack(c.input, true);
    const hx = c.hx?.map((p) => unpack(p, true)) ?? null;
    const outs = run(module, c.kind, x, hx);
    const expected = [...(c.output ? [c.output] : []), ...c.finals];
    expect(outs).toHaveLength(expected.length);
    outs.forEach((out, i) => {
      assertClose(out, unpack(expected[i]!), { atol: 1e-12, rtol: 1e-10 });
    });

    const loss = outs
      .map((out, i) => out.mul(unpack(c.upstream[i]!)).sum())
      .reduce((a, b) => a.add(b));
    loss.backward();
    assertClose(x.grad!, unpack(c.grads.input), { atol: 1e-12, rtol: 1e-10 });
    hx?.forEach((h, i) => {
      assertClose(h.grad!, unpack(c.grads.hx[i]!), { atol: 1e-12, rtol: 1e-10 });
    });
    for (const [name, p] of module.namedParameters()) {
      assertClose(p.grad!, unpack(c.grads.parameters[name]!), { atol: 1e-12, rtol: 1e-10 });
    }
  });

  test("the fixtures cover every kind, layouts and states given and not", () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(Object.keys(CLASSES)));
    expect(cases.some((c) => c.options.bidirectional && c.options.numLayers === 2)).toBe(true);
    expect(cases.some((c) => c.options.batchFirst)).toBe(true);
    expect(cases.some((c) => c.hx === null) && cases.some((c) => c.hx !== null)).toBe(true);
    expect(cases.some((c) => c.kind === "LSTM" && c.input.shape.length === 2)).toBe(true);
  });
});

describe("state dicts written by PyTorch (safetensors)", () => {
  test("a 2-layer batch-first LSTM reproduces PyTorch's outputs in float32", async () => {
    const lstm = new LSTM(6, 8, { numLayers: 2, batchFirst: true });
    lstm.loadStateDict((await loadSafetensors(fileURLToPath(fixture("lstm.safetensors")))).tensors);
    const io = (await loadSafetensors(fileURLToPath(fixture("lstm-io.safetensors")))).tensors;
    const [output, [hn, cn]] = lstm.forward(io.input!, [io.h_0!, io.c_0!]);
    expect(output.dtype).toBe("float32");
    assertClose(output, io.output!, { atol: 1e-6, rtol: 1e-5 });
    assertClose(hn, io.h_n!, { atol: 1e-6, rtol: 1e-5 });
    assertClose(cn, io.c_n!, { atol: 1e-6, rtol: 1e-5 });
  });

  test("a 2-layer bidirectional GRU reproduces PyTorch's outputs in float32", async () => {
    const gru = new GRU(6, 8, { numLayers: 2, bidirectional: true });
    const { tensors } = await loadSafetensors(fileURLToPath(fixture("gru.safetensors")));
    expect(Object.keys(tensors).sort()).toEqual(
      gru
        .namedParameters()
        .map(([n]) => n)
        .sort(),
    );
    gru.loadStateDict(tensors);
    const io = (await loadSafetensors(fileURLToPath(fixture("gru-io.safetensors")))).tensors;
    const [output, hn] = gru.forward(io.input!);
    assertClose(output, io.output!, { atol: 1e-6, rtol: 1e-5 });
    assertClose(hn, io.h_n!, { atol: 1e-6, rtol: 1e-5 });
  });
});

/** Runs `f` with `inner` as a member, so `functionalCall` can swap `inner`'s parameters. */
class Probe extends Module {
  constructor(
    readonly inner: Module,
    readonly f: (x: Tensor, states: Tensor[]) => Tensor,
  ) {
    super();
  }

  override forward(x: Tensor, ...states: Tensor[]): Tensor {
    return this.f(x, states);
  }
}

/** Gradchecks `forward` against the input, the states and every parameter, in float64. */
function gradcheckModule(
  module: Module,
  forward: (x: Tensor, states: Tensor[]) => Tensor,
  x: Tensor,
  states: Tensor[],
): void {
  const probe = new Probe(module.to("float64"), forward);
  const names = probe.namedParameters().map(([n]) => n);
  const k = states.length;
  gradcheck(
    (input, ...rest) =>
      functionalCall(
        probe,
        Object.fromEntries(names.map((n, i) => [n, rest[k + i]!])),
        input,
        ...rest.slice(0, k),
      ),
    [x, ...states, ...probe.parameters()],
  );
}

describe("gradcheck", () => {
  const x = randomTensor([2, 3], { seed: 1 });
  const h = randomTensor([2, 2], { seed: 2, low: -1, high: 1 });
  const c = randomTensor([2, 2], { seed: 3, low: -1, high: 1 });

  test.each(["tanh", "relu"] as const)("RNNCell (%s)", (nonlinearity) => {
    const cell = new RNNCell(3, 2, { nonlinearity, generator: new Generator(4) });
    gradcheckModule(cell, (input, [hx]) => cell.forward(input, hx), x, [h]);
  });

  test("LSTMCell: both outputs", () => {
    const cell = new LSTMCell(3, 2, { generator: new Generator(5) });
    gradcheckModule(
      cell,
      (input, [h0, c0]) => {
        const [h1, c1] = cell.forward(input, [h0!, c0!]);
        return h1.mul(c1.add(2));
      },
      x,
      [h, c],
    );
  });

  test("GRUCell", () => {
    const cell = new GRUCell(3, 2, { generator: new Generator(6) });
    gradcheckModule(cell, (input, [hx]) => cell.forward(input, hx), x, [h]);
  });

  test("a 2-layer bidirectional GRU over 3 steps, with respect to its input and h0", () => {
    // The parameters' gradients are held to PyTorch's above; finite differences over all of
    // them would take seconds.
    const gru = new GRU(3, 2, { numLayers: 2, bidirectional: true, generator: new Generator(7) });
    gru.to("float64");
    const seq = randomTensor([3, 2, 3], { seed: 8 });
    const h0 = randomTensor([4, 2, 2], { seed: 9, low: -1, high: 1 });
    gradcheck(
      (input, hx) => {
        const [output, hn] = gru.forward(input, hx);
        return output.sum().add(hn.square().sum());
      },
      [seq, h0],
    );
  });
});

describe("parameters", () => {
  test("PyTorch's names, order and shapes, projections and _reverse included", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    expect(lstm.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ["weight_ih_l0", [16, 3]],
      ["weight_hh_l0", [16, 2]],
      ["bias_ih_l0", [16]],
      ["bias_hh_l0", [16]],
      ["weight_hr_l0", [2, 4]],
      ["weight_ih_l0_reverse", [16, 3]],
      ["weight_hh_l0_reverse", [16, 2]],
      ["bias_ih_l0_reverse", [16]],
      ["bias_hh_l0_reverse", [16]],
      ["weight_hr_l0_reverse", [2, 4]],
      ["weight_ih_l1", [16, 4]],
      ["weight_hh_l1", [16, 2]],
      ["bias_ih_l1", [16]],
      ["bias_hh_l1", [16]],
      ["weight_hr_l1", [2, 4]],
      ["weight_ih_l1_reverse", [16, 4]],
      ["weight_hh_l1_reverse", [16, 2]],
      ["bias_ih_l1_reverse", [16]],
      ["bias_hh_l1_reverse", [16]],
      ["weight_hr_l1_reverse", [2, 4]],
    ]);
    expect(lstm.allWeights.map((w) => w.length)).toEqual([5, 5, 5, 5]);
    expect(new GRU(3, 4, { bias: false }).namedParameters().map(([n]) => n)).toEqual([
      "weight_ih_l0",
      "weight_hh_l0",
    ]);
    expect(new GRUCell(3, 4).namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ["weight_ih", [12, 3]],
      ["weight_hh", [12, 4]],
      ["bias_ih", [12]],
      ["bias_hh", [12]],
    ]);
  });

  test("every parameter starts in U(−1/√hidden, 1/√hidden), as PyTorch", () => {
    manualSeed(0);
    const bound = 1 / Math.sqrt(25);
    for (const module of [
      new RNN(10, 25),
      new LSTM(10, 25, { numLayers: 2, projSize: 5 }),
      new GRU(10, 25),
      new LSTMCell(10, 25),
    ]) {
      const values = module.parameters().flatMap((p) => Array.from(p.data));
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Spread over the whole interval, not a narrower one.
      expect(Math.max(...values)).toBeGreaterThan(0.95 * bound);
      expect(Math.min(...values)).toBeLessThan(-0.95 * bound);
    }
  });

  test("the same generator gives the same parameters", () => {
    const a = new LSTM(3, 4, { generator: new Generator(1) });
    const b = new LSTM(3, 4, { generator: new Generator(1) });
    expect(a.parameters().map((p) => p.toArray())).toEqual(b.parameters().map((p) => p.toArray()));
  });

  test("to('float64') converts every parameter, and the layer then runs in float64", () => {
    const gru = new GRU(3, 4, { numLayers: 2 }).to("float64");
    expect(new Set(gru.parameters().map((p) => p.dtype))).toEqual(new Set(["float64"]));
    const [output] = gru.forward(randn([2, 1, 3], { dtype: "float64" }));
    expect(output.dtype).toBe("float64");
  });

  test("prints like PyTorch's modules, with non-default options", () => {
    expect(new LSTM(10, 20, { numLayers: 2, bidirectional: true }).toString()).toBe(
      "LSTM(10, 20, numLayers=2, bidirectional=true)",
    );
    expect(new RNN(3, 4, { nonlinearity: "relu", batchFirst: true }).toString()).toBe(
      "RNN(3, 4, nonlinearity=relu, batchFirst=true)",
    );
    expect(new GRUCell(3, 4, { bias: false }).toString()).toBe("GRUCell(3, 4, bias=false)");
  });
});

describe("training", () => {
  test("an LSTM learns to continue a periodic sequence", () => {
    // Tokens 0 1 2 0 1 2 …, fed one-hot: the next token follows from the current one, so a
    // model that learns anything drives the loss to near zero.
    class CharModel extends Module {
      lstm = new LSTM(3, 8, { batchFirst: true, generator: new Generator(0) });
      head = new Dense(8, 3, { generator: new Generator(1) });
      override forward(x: Tensor): Tensor {
        return this.head.forward(this.lstm.forward(x)[0]);
      }
    }
    const model = new CharModel();
    const optimizer = new Adam(model.parameters(), { lr: 0.05 });
    const ids = Array.from({ length: 4 * 13 }, (_, i) => ((i % 13) + Math.floor(i / 13)) % 3);
    const tokens = tensor(ids, { shape: [4, 13], dtype: "int32" });
    const x = oneHot(tokens.index(":", "0:12"), 3).cast("float32");
    const y = tokens.index(":", "1:13");
    const losses: number[] = [];
    for (let step = 0; step < 25; step++) {
      optimizer.zeroGrad();
      // PyTorch's layout: classes on axis 1.
      const loss = crossEntropy(model.forward(x).movedim(-1, 1), y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
    expect(losses[0]).toBeGreaterThan(0.9);
    expect(losses[24]).toBeLessThan(0.01);
  });

  test("functionalCall swaps a layer's parameters by their PyTorch names, then restores them", () => {
    const gru = new GRU(3, 4, { generator: new Generator(5) });
    const x = randn([2, 1, 3]);
    const [before] = gru.forward(x);
    const original = gru.allWeights[0]![1]!;
    const [swapped] = functionalCall(gru, { weight_hh_l0: zeros([12, 4]) }, x);
    expect(maxDiff(swapped, before)).toBeGreaterThan(1e-4);
    expect(gru.allWeights[0]![1]).toBe(original);
    assertClose(gru.forward(x)[0], before);
  });
});

describe("shapes and semantics", () => {
  test("output and state shapes: time-major, batch-first, bidirectional, projections", () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 });
    const [output, [hn, cn]] = lstm.forward(randn([7, 4, 3]));
    expect([output.shape, hn.shape, cn.shape]).toEqual([
      [7, 4, 4],
      [4, 4, 2],
      [4, 4, 5],
    ]);
    const gru = new GRU(3, 5, { batchFirst: true });
    const [out, h] = gru.forward(randn([4, 7, 3]));
    expect([out.shape, h.shape]).toEqual([
      [4, 7, 5],
      [1, 4, 5],
    ]);
  });

  test("the last step of the output is h_n (forward) and the first step its reverse", () => {
    const rnn = new RNN(3, 2, { bidirectional: true });
    const [output, hn] = rnn.forward(randn([6, 2, 3]));
    assertClose(output.index(5, ":", "0:2"), hn.index(0));
    assertClose(output.index(0, ":", "2:4"), hn.index(1));
  });

  test("an unbatched sequence gives what a batch of one gives", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, generator: new Generator(2) });
    const x = randn([5, 3]);
    const [output, [hn, cn]] = lstm.forward(x);
    const [batchOut, [batchH, batchC]] = lstm.forward(x.unsqueeze(1));
    expect([output.shape, hn.shape, cn.shape]).toEqual([
      [5, 4],
      [2, 4],
      [2, 4],
    ]);
    assertClose(output, batchOut.squeeze(1));
    assertClose(hn, batchH.squeeze(1));
    assertClose(cn, batchC.squeeze(1));
  });

  test("a sequence layer of one step equals its cell", () => {
    const gru = new GRU(3, 4, { generator: new Generator(3) });
    const cell = new GRUCell(3, 4);
    const [w, u, b, v] = gru.allWeights[0]!;
    cell.loadStateDict({ weight_ih: w!, weight_hh: u!, bias_ih: b!, bias_hh: v! });
    const x = randn([1, 2, 3]);
    const h0 = randn([1, 2, 4]);
    const [, hn] = gru.forward(x, h0);
    assertClose(hn.squeeze(0), cell.forward(x.squeeze(0), h0.squeeze(0)));
  });

  test("running a sequence step by step through the recurrence equals one call", () => {
    const lstm = new LSTM(3, 4, { generator: new Generator(4) });
    const x = randn([6, 2, 3]);
    const [whole, [hn, cn]] = lstm.forward(x);
    let state: [Tensor, Tensor] = [zeros([1, 2, 4]), zeros([1, 2, 4])];
    const outs: Tensor[] = [];
    for (let t = 0; t < 6; t++) {
      const [out, next] = lstm.forward(x.index({ start: t, stop: t + 1 }), state);
      outs.push(out);
      state = next;
    }
    assertClose(
      outs.flatMap((o) => Array.from(o.data)),
      whole,
    );
    assertClose(state[0], hn);
    assertClose(state[1], cn);
  });

  test("an empty batch gives empty outputs", () => {
    const [output, hn] = new GRU(3, 4).forward(zeros([5, 0, 3]));
    expect([output.shape, hn.shape]).toEqual([
      [5, 0, 4],
      [1, 0, 4],
    ]);
  });
});

describe("dropout between layers", () => {
  const x = randn([5, 3, 4]);

  test("only in training mode, and reproducible with a generator", () => {
    const make = () => new LSTM(4, 6, { numLayers: 2, dropout: 0.5, generator: new Generator(1) });
    const [trained] = make().forward(x);
    const [again] = make().forward(x);
    expect(Array.from(trained.data)).toEqual(Array.from(again.data));
    const [evaluated] = make().eval().forward(x);
    const plain = new LSTM(4, 6, { numLayers: 2, generator: new Generator(1) });
    assertClose(evaluated, plain.forward(x)[0]);
    expect(maxDiff(trained, evaluated)).toBeGreaterThan(1e-3);
  });

  test("never after the last layer", () => {
    const rnn = new RNN(4, 6, { dropout: 0.9, generator: new Generator(2) });
    assertClose(rnn.forward(x)[0], rnn.eval().forward(x)[0]);
  });

  test("with p = 1 the second layer sees zeros", () => {
    const gru = new GRU(4, 6, { numLayers: 2, dropout: 1 });
    const top = new GRU(6, 6);
    const [w, u, b, v] = gru.allWeights[1]!;
    top.loadStateDict({ weight_ih_l0: w!, weight_hh_l0: u!, bias_ih_l0: b!, bias_hh_l0: v! });
    assertClose(gru.forward(x)[0], top.forward(zeros([5, 3, 6]))[0]);
  });
});

function maxDiff(a: Tensor, b: Tensor): number {
  return Math.max(...Array.from(a.data, (v, i) => Math.abs(v - b.data[i]!)));
}

/** The error `f` throws. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("errors name the layer", () => {
  test("an input of the wrong size", () => {
    const error = thrown(() => new LSTM(3, 4).forward(randn([5, 2, 4]))) as ShapeError;
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.op).toBe("LSTM");
    expect(error.shapes.input).toEqual([5, 2, 4]);
    expect(error.message).toBe(
      "LSTM: the input's last dimension must be inputSize = 3; got input [5, 2, 4] and weight_ih_l0 [16, 3]",
    );
  });

  test("an input of the wrong rank", () => {
    expect(() => new GRU(3, 4, { batchFirst: true }).forward(randn([3]))).toThrow(
      "GRU: expects input [N, L, inputSize] or unbatched [L, inputSize]; got a 1-D input; got input [3]",
    );
    expect(() => new RNNCell(3, 4).forward(randn([2, 2, 3]))).toThrow(
      "RNNCell: expects input [N, inputSize] or unbatched [inputSize]; got a 3-D input",
    );
  });

  test("initial states of the wrong shape", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    const error = thrown(() =>
      lstm.forward(randn([5, 2, 3]), [zeros([2, 3, 4]), zeros([2, 2, 4])]),
    ) as ShapeError;
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.op).toBe("LSTM");
    expect(error.shapes).toEqual({ input: [5, 2, 3], h_0: [2, 3, 4] });
    expect(error.message).toContain("LSTM: h_0 must have shape [2, 2, 4] for this input");
    expect(() => lstm.forward(randn([5, 2, 3]), [zeros([2, 2, 4]), zeros([2, 2, 3])])).toThrow(
      "LSTM: c_0 must have shape [2, 2, 4]",
    );
    expect(() => new RNN(3, 4).forward(randn([5, 3]), zeros([1, 1, 4]))).toThrow(
      "RNN: hx must have shape [1, 4] for this input; got input [5, 3] and hx [1, 1, 4] (an unbatched input takes unbatched states [numLayers·numDirections, size])",
    );
    expect(() => new GRUCell(3, 4).forward(randn([2, 3]), zeros([3, 4]))).toThrow(
      "GRUCell: hx must have shape [2, 4] for this input; got input [2, 3] and hx [3, 4]",
    );
    expect(() =>
      new LSTM(3, 4).forward(randn([5, 2, 3]), [zeros([1, 2, 4])] as unknown as [Tensor, Tensor]),
    ).toThrow("LSTM: hx must be a pair [h_0, c_0] of tensors, or omitted");
    expect(() =>
      new LSTMCell(3, 4).forward(randn([3]), [zeros([4]), undefined] as unknown as [
        Tensor,
        Tensor,
      ]),
    ).toThrow("LSTMCell: hx must be a pair [h, c] of tensors, or omitted");
    expect(() => new GRU(3, 4).forward([[1, 2, 3]] as unknown as Tensor)).toThrow(
      "GRU: input must be a Tensor; got an array",
    );
    expect(() => new RNNCell(3, 4).forward(randn([3]), [0, 0, 0, 0] as unknown as Tensor)).toThrow(
      "RNNCell: hx must be a Tensor; got an array",
    );
  });

  test("an empty sequence", () => {
    expect(() => new GRU(3, 4).forward(zeros([0, 2, 3]))).toThrow(
      "GRU: the sequence must have at least one step; got input [0, 2, 3]",
    );
  });

  test("an input whose dtype is not the parameters'", () => {
    const error = thrown(() => new RNN(3, 4).forward(randn([5, 2, 3], { dtype: "float64" })));
    expect(error).toBeInstanceOf(DTypeError);
    expect(error.message).toContain("RNN: the input must have the parameters' dtype");
  });

  test("options", () => {
    const error = thrown(() => new LSTM(3, 4, { numLayer: 2 } as never));
    expect(error).toBeInstanceOf(OptionError);
    expect(error.message).toContain('LSTM: unknown option "numLayer"');
    expect(error.message).toContain('did you mean "numLayers"?');
    expect(() => new GRU(3, 4, { projSize: 2 } as never)).toThrow(OptionError);
    expect(() => new RNN(3, 0)).toThrow("RNN: hiddenSize must be a positive integer; got 0");
    expect(() => new GRU(3, 4, { numLayers: 1.5 })).toThrow(
      "GRU: numLayers must be a positive integer; got 1.5",
    );
    expect(() => new LSTM(3, 4, { dropout: 1.5 })).toThrow(
      "LSTM: dropout must be a probability in [0, 1]; got 1.5",
    );
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow(
      "LSTM: projSize must be smaller than hiddenSize; got projSize 4 and hiddenSize 4",
    );
    expect(() => new RNN(3, 4, { nonlinearity: "sigmoid" as never })).toThrow(
      'RNN: nonlinearity must be "tanh" or "relu"; got "sigmoid"',
    );
    expect(() => new GRU(3, 4, { batchFirst: "yes" as never })).toThrow(ValueError);
  });
});
