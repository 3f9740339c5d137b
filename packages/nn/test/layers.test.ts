import {
  Generator,
  manualSeed,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import {
  BatchNorm1d,
  Dense,
  Dropout,
  Flatten,
  functionalCall,
  GELU,
  init,
  LayerNorm,
  Linear,
  MLP,
  type Module,
  Sequential,
  Tanh,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

/** Gradchecks a module's output with respect to its input and every parameter, in float64. */
function gradcheckModule(module: Module & { forward(x: Tensor): Tensor }, x: Tensor): void {
  module.to("float64");
  const names = module.namedParameters().map(([n]) => n);
  gradcheck(
    (input, ...params) =>
      functionalCall(module, Object.fromEntries(names.map((n, i) => [n, params[i]!])), input),
    [x, ...module.parameters()],
  );
}

describe("Dense", () => {
  test("stores weight as [out, in] and computes x·Wᵀ + b", () => {
    const layer = new Dense(3, 2);
    expect(layer.weight.shape).toEqual([2, 3]);
    expect(layer.bias?.shape).toEqual([2]);
    layer.loadStateDict({
      weight: tensor([
        [1, 2, 3],
        [-1, 0, 1],
      ]),
      bias: tensor([0.5, -0.5]),
    });
    const y = layer.forward(
      tensor([
        [1, 1, 1],
        [2, 0, -1],
      ]),
    );
    // row 1: [1+2+3 + 0.5, -1+0+1 - 0.5]; row 2: [2+0-3 + 0.5, -2+0-1 - 0.5]
    expect(y.toArray()).toEqual([
      [6.5, -0.5],
      [-0.5, -3.5],
    ]);
  });

  test("applies a fused activation, and leading batch axes pass through", () => {
    const layer = new Dense(3, 2, { activation: "relu", bias: false });
    layer.loadStateDict({
      weight: tensor([
        [1, 0, 0],
        [-1, 0, 0],
      ]),
    });
    expect(layer.forward(tensor([[2, 5, 5]])).toArray()).toEqual([[2, 0]]);
    expect(layer.forward(randn([4, 5, 3])).shape).toEqual([4, 5, 2]);
    expect(layer.bias).toBeNull();
  });

  test("default init is PyTorch's Linear: weight and bias in U(−1/√in, 1/√in)", () => {
    manualSeed(0);
    const layer = new Dense(400, 50);
    const bound = 1 / Math.sqrt(400);
    for (const t of [layer.weight, layer.bias!]) {
      const values = Array.from(t.data);
      expect(Math.max(...values)).toBeLessThanOrEqual(bound);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
      // A uniform on [−b, b] reaches close to both ends.
      expect(Math.max(...values)).toBeGreaterThan(0.9 * bound);
    }
  });

  test("the same seed gives the same layer; a generator option overrides the global seed", () => {
    manualSeed(7);
    const a = new Dense(4, 3);
    manualSeed(7);
    const b = new Dense(4, 3);
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const c = new Dense(4, 3, { generator: new Generator(7) });
    const d = new Dense(4, 3, { generator: new Generator(7) });
    expect(Array.from(c.weight.data)).toEqual(Array.from(d.weight.data));
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(new Dense(4, 3).weight.data));
  });

  test("weightInit and dtype options; Linear is the same class", () => {
    const layer = new Linear(3, 2, {
      weightInit: (shape, o) => init.constant(shape, 0.5, o),
      dtype: "float64",
    });
    expect(layer).toBeInstanceOf(Dense);
    expect(layer.weight.dtype).toBe("float64");
    expect(Array.from(layer.weight.data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  test("a wrong input size is a ShapeError naming Dense", () => {
    const layer = new Dense(784, 10);
    expect(() => layer.forward(randn([32, 100]))).toThrow(ShapeError);
    expect(() => layer.forward(randn([32, 100]))).toThrow(
      "Dense: the input's last dimension must be inFeatures = 784; got x [32, 100] and weight [10, 784]",
    );
  });

  test("gradcheck through the layer, with and without activation", () => {
    manualSeed(1);
    gradcheckModule(new Dense(3, 4), randomTensor([5, 3], { seed: 1 }));
    gradcheckModule(new Dense(3, 2, { activation: "tanh" }), randomTensor([2, 4, 3], { seed: 2 }));
  });
});

describe("MLP and Sequential", () => {
  test("MLP([784, 256, 10]) has the right shapes and names", () => {
    const mlp = new MLP([784, 256, 10]);
    expect(mlp.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ["layers.0.weight", [256, 784]],
      ["layers.0.bias", [256]],
      ["layers.1.weight", [10, 256]],
      ["layers.1.bias", [10]],
    ]);
    expect(mlp.numParameters()).toBe(784 * 256 + 256 + 256 * 10 + 10);
    expect(mlp.forward(randn([3, 784])).shape).toEqual([3, 10]);
  });

  test("activation between layers, outputActivation after the last", () => {
    const mlp = new MLP([1, 1, 1], { activation: "relu", outputActivation: "sigmoid" });
    mlp.loadStateDict({
      "layers.0.weight": tensor([[-1]]),
      "layers.0.bias": tensor([0]),
      "layers.1.weight": tensor([[1]]),
      "layers.1.bias": tensor([0]),
    });
    // x = 2: relu(−2) = 0, then sigmoid(0) = ½; x = −3: relu(3) = 3, sigmoid(3).
    assertClose(mlp.forward(tensor([[2], [-3]])), [[0.5], [1 / (1 + Math.exp(-3))]]);
  });

  test("gradcheck through MLP and through a Sequential of mixed layers", () => {
    manualSeed(2);
    gradcheckModule(new MLP([3, 5, 2], { activation: "tanh" }), randomTensor([4, 3], { seed: 3 }));
    gradcheckModule(
      new Sequential(new Dense(3, 4), new GELU(), new LayerNorm(4), new Dense(4, 2), new Tanh()),
      randomTensor([3, 3], { seed: 4 }),
    );
  });

  test("Flatten keeps the batch axis", () => {
    expect(new Flatten().forward(randn([2, 1, 4, 4])).shape).toEqual([2, 16]);
  });
});

describe("Dropout", () => {
  test("in training, zeroes about p of the elements and scales the rest by 1/(1−p)", () => {
    const drop = new Dropout(0.25, { generator: new Generator(0) });
    const y = drop.forward(tensor(new Float32Array(4000).fill(1), { shape: [4000] }));
    const values = Array.from(y.data);
    expect(new Set(values)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    const dropped = values.filter((v) => v === 0).length / values.length;
    expect(dropped).toBeGreaterThan(0.22);
    expect(dropped).toBeLessThan(0.28);
  });

  test("in eval mode, and with p = 0, passes the input through", () => {
    const x = randn([3, 3]);
    expect(new Dropout(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
  });

  test("the gradient is the mask: zero where dropped, 1/(1−p) where kept", () => {
    const x = tensor(new Float32Array(100).fill(3), { shape: [100], requiresGrad: true });
    const y = new Dropout(0.5, { generator: new Generator(1) }).forward(x);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual(Array.from(y.data).map((v) => v / 3));
  });

  test("the same generator seed drops the same elements", () => {
    const x = randn([50]);
    const a = new Dropout(0.5, { generator: new Generator(5) }).forward(x);
    const b = new Dropout(0.5, { generator: new Generator(5) }).forward(x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  test("p outside [0, 1] is a ValueError", () => {
    expect(() => new Dropout(1.5)).toThrow(ValueError);
    expect(() => new Dropout(-0.1)).toThrow("Dropout: p must be a probability in [0, 1]; got -0.1");
  });
});

describe("LayerNorm", () => {
  test("normalises each row to mean 0 and (biased) variance 1, then scales and shifts", () => {
    const norm = new LayerNorm(4, { eps: 0 });
    const y = norm.forward(tensor([[1, 2, 3, 4]]));
    // mean 2.5, biased variance ((1.5² + 0.5²)·2)/4 = 1.25
    const s = Math.sqrt(1.25);
    assertClose(y, [[-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]]);
    norm.loadStateDict({ weight: tensor([1, 2, 1, 1]), bias: tensor([0, 0, 0, 10]) });
    assertClose(norm.forward(tensor([[1, 2, 3, 4]])), [[-1.5 / s, -1 / s, 0.5 / s, 10 + 1.5 / s]]);
  });

  test("normalises over several trailing axes, and gradchecks", () => {
    const norm = new LayerNorm([2, 3]);
    const y = norm.forward(randn([4, 2, 3]));
    expect(y.shape).toEqual([4, 2, 3]);
    const row = Array.from(y.data.slice(0, 6));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
    gradcheckModule(new LayerNorm([2, 3]), randomTensor([3, 2, 3], { seed: 5 }));
  });

  test("a trailing shape that differs is a ShapeError", () => {
    expect(() => new LayerNorm(4).forward(randn([2, 5]))).toThrow(
      "LayerNorm: the input's trailing dimensions must equal normalizedShape; got x [2, 5] and normalizedShape [4]",
    );
  });
});

describe("BatchNorm1d", () => {
  test("training uses batch statistics and updates the running ones", () => {
    const bn = new BatchNorm1d(2, { eps: 0, momentum: 0.1 });
    const x = tensor([
      [1, 10],
      [3, 10],
      [5, 40],
    ]);
    // feature 0: mean 3, biased var 8/3, unbiased 4; feature 1: mean 20, biased var 200, unbiased 300
    const y = bn.forward(x);
    const [s0, s1] = [Math.sqrt(8 / 3), Math.sqrt(200)];
    assertClose(y, [
      [-2 / s0, -10 / s1],
      [0, -10 / s1],
      [2 / s0, 20 / s1],
    ]);
    const state = bn.stateDict();
    assertClose(state.running_mean!, [0.9 * 0 + 0.1 * 3, 0.9 * 0 + 0.1 * 20]);
    assertClose(state.running_var!, [0.9 * 1 + 0.1 * 4, 0.9 * 1 + 0.1 * 300]);
    expect(state.num_batches_tracked!.item()).toBe(1);
  });

  test("eval mode uses the running statistics and leaves them alone", () => {
    const bn = new BatchNorm1d(2, { eps: 0 });
    bn.loadStateDict({
      ...bn.stateDict(),
      running_mean: tensor([1, 2]),
      running_var: tensor([4, 9]),
      weight: tensor([2, 1]),
      bias: tensor([0, 1]),
    });
    bn.eval();
    const y = bn.forward(tensor([[3, 5]]));
    // (3 − 1)/2·2 + 0 = 2; (5 − 2)/3·1 + 1 = 2
    assertClose(y, [[2, 2]]);
    expect(Array.from(bn.stateDict().running_mean!.data)).toEqual([1, 2]);
  });

  test("[N, C, L] inputs are normalised per channel over N and L", () => {
    const bn = new BatchNorm1d(3);
    const y = bn.forward(randn([4, 3, 5]));
    expect(y.shape).toEqual([4, 3, 5]);
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let n = 0; n < 4; n++) for (let l = 0; l < 5; l++) sum += y.data[n * 15 + c * 5 + l]!;
      expect(sum / 20).toBeCloseTo(0, 5);
    }
  });

  test("gradcheck in training mode, on [N, C] and [N, C, L]", () => {
    gradcheckModule(new BatchNorm1d(3), randomTensor([4, 3], { seed: 6 }));
    gradcheckModule(new BatchNorm1d(2), randomTensor([3, 2, 4], { seed: 7 }));
    const bn = new BatchNorm1d(2);
    bn.eval();
    gradcheckModule(bn, randomTensor([3, 2], { seed: 8 }));
  });

  test("errors: wrong channel count, and a single value per feature in training", () => {
    expect(() => new BatchNorm1d(3).forward(randn([4, 2]))).toThrow(
      "BatchNorm1d: expects [N, C] or [N, C, L] with C = numFeatures = 3; got x [4, 2]",
    );
    expect(() => new BatchNorm1d(3).forward(randn([1, 3]))).toThrow(
      "BatchNorm1d: training needs more than one value per feature to estimate a variance; got x [1, 3]",
    );
    expect(new BatchNorm1d(3).eval().forward(randn([1, 3])).shape).toEqual([1, 3]);
  });
});
