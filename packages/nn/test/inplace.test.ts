// In-place writes the library makes (optimizer steps, loading weights, running statistics)
// bump the tensors' versions, so a graph recorded before them refuses to run backward with
// values its forward never saw, as PyTorch does.
import { InplaceModificationError, manualSeed, randn, tensor } from "@tensortape/core";
import {
  Adagrad,
  Adam,
  AdamW,
  BatchNorm1d,
  Dense,
  mseLoss,
  type Optimizer,
  RMSprop,
  SGD,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

function caught(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const optimizers: [string, (layer: Dense) => Optimizer][] = [
  ["SGD", (l) => new SGD(l.parameters(), { lr: 0.1, momentum: 0.9 })],
  ["Adam", (l) => new Adam(l.parameters())],
  ["AdamW", (l) => new AdamW(l.parameters())],
  ["RMSprop", (l) => new RMSprop(l.parameters(), { centered: true, momentum: 0.5 })],
  ["Adagrad", (l) => new Adagrad(l.parameters())],
];

describe("a step between forward and backward", () => {
  test.each(optimizers)("%s: backward throws InplaceModificationError", (_, make) => {
    manualSeed(0);
    const layer = new Dense(3, 2);
    const optimizer = make(layer);
    const x = randn([4, 3]);
    const y = randn([4, 2]);
    // A first backward gives every parameter a gradient, so the step moves all of them.
    mseLoss(layer.forward(x), y).backward();
    const loss = mseLoss(layer.forward(x), y);
    const before = layer.weight.version;
    optimizer.step();
    expect(layer.weight.version).toBe(before + 1);
    const error = caught(() => loss.backward());
    expect(error).toBeInstanceOf(InplaceModificationError);
    const e = error as InplaceModificationError;
    // linear(x, weight, bias) kept the weight, its second input, for the gradient of x.
    expect(e.op).toBe("linear");
    expect(e.which).toBe("input 1");
    expect(e.shape).toEqual([2, 3]);
    expect(e.savedVersion).toBe(before);
    expect(e.currentVersion).toBe(before + 1);
  });

  test("each step bumps every parameter it moves once, and the state tensors it writes", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3], { requiresGrad: true });
    const optimizer = new Adam([a, b]);
    a.sum().backward();
    optimizer.step();
    optimizer.step();
    expect(a.version).toBe(2);
    // No gradient, no update, no bump.
    expect(b.version).toBe(0);
    expect(optimizer.stateOf(a)!.expAvg.version).toBe(2);
  });

  test("the ordinary loop (forward, backward, step, repeat) trains", () => {
    manualSeed(1);
    const layer = new Dense(3, 1);
    const optimizer = new Adam(layer.parameters(), { lr: 0.05 });
    const x = randn([16, 3]);
    const y = x.sum(1, true);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      optimizer.zeroGrad();
      const loss = mseLoss(layer.forward(x), y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
    expect(losses[29]!).toBeLessThan(losses[0]! / 2);
    expect(layer.weight.version).toBe(30);
  });
});

describe("loading weights between forward and backward", () => {
  test("Module.loadStateDict bumps what it writes, and backward throws", () => {
    manualSeed(2);
    const layer = new Dense(3, 2);
    const saved = new Dense(3, 2).stateDict();
    const loss = mseLoss(layer.forward(randn([4, 3])), randn([4, 2]));
    layer.loadStateDict(saved);
    expect(layer.weight.version).toBe(1);
    expect(layer.bias!.version).toBe(1);
    const error = caught(() => loss.backward());
    expect(error).toBeInstanceOf(InplaceModificationError);
    const e = error as InplaceModificationError;
    expect(e.op).toBe("linear");
    expect(e.shape).toEqual([2, 3]);
    expect(e.savedVersion).toBe(0);
    expect(e.currentVersion).toBe(1);
    // A failed load writes nothing, so bumps nothing.
    expect(() => layer.loadStateDict({})).toThrow();
    expect(layer.weight.version).toBe(1);
  });

  test("a forward after the load runs backward as usual", () => {
    const layer = new Dense(3, 2);
    layer.loadStateDict(new Dense(3, 2).stateDict());
    mseLoss(layer.forward(randn([4, 3])), randn([4, 2])).backward();
    expect(layer.weight.grad!.shape).toEqual([2, 3]);
  });
});

test("BatchNorm1d bumps its running statistics when a training forward updates them", () => {
  const bn = new BatchNorm1d(2);
  bn.forward(randn([4, 2]));
  bn.forward(randn([4, 2]));
  expect(bn.runningMean!.version).toBe(2);
  expect(bn.runningVar!.version).toBe(2);
  expect(bn.numBatchesTracked!.version).toBe(2);
  // Eval mode reads them and writes nothing.
  bn.eval().forward(randn([4, 2]));
  expect(bn.runningMean!.version).toBe(2);
});
