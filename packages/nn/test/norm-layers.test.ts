import {
  Generator,
  InplaceModificationError,
  manualSeed,
  OptionError,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import {
  BatchNorm2d,
  Dropout2d,
  functionalCall,
  GroupNorm,
  InstanceNorm2d,
  type Module,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";
import { matchesPyTorch } from "./pytorch-reference.js";

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

const f64 = { dtype: "float64" } as const;

describe("BatchNorm2d", () => {
  test("matches PyTorch: two training steps, eval, momentum null, no affine, float32", () => {
    matchesPyTorch("BatchNorm2d train", new BatchNorm2d(3, f64));
    matchesPyTorch("BatchNorm2d eval", new BatchNorm2d(3, f64), false);
    matchesPyTorch("BatchNorm2d momentum None", new BatchNorm2d(3, { ...f64, momentum: null }));
    matchesPyTorch(
      "BatchNorm2d no affine, no running stats",
      new BatchNorm2d(2, { ...f64, affine: false, trackRunningStats: false }),
    );
    matchesPyTorch("BatchNorm2d float32", new BatchNorm2d(4));
  });

  test("state dict: PyTorch's names, shapes and dtypes", () => {
    const state = new BatchNorm2d(5).stateDict();
    expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.shape]))).toEqual({
      weight: [5],
      bias: [5],
      running_mean: [5],
      running_var: [5],
      num_batches_tracked: [],
    });
    expect(state.num_batches_tracked!.dtype).toBe("int32");
    expect(Object.keys(new BatchNorm2d(5, { affine: false }).stateDict())).toEqual([
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    expect(new BatchNorm2d(5, { trackRunningStats: false }).namedBuffers()).toEqual([]);
  });

  test("hand-computed: one channel, mean 2.5, biased variance 1.25, unbiased 5/3", () => {
    const bn = new BatchNorm2d(1, { eps: 0 });
    const y = bn.forward(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }));
    const s = Math.sqrt(1.25);
    assertClose(y.reshape([4]), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    assertClose(bn.runningMean!, [0.25]);
    assertClose(bn.runningVar!, [0.9 + 0.1 * (5 / 3)]);
    // eval: (x − 0.25) / √running_var
    bn.eval();
    assertClose(bn.forward(tensor([1], { shape: [1, 1, 1, 1] })).reshape([1]), [
      0.75 / Math.sqrt(0.9 + 0.1 * (5 / 3)),
    ]);
  });

  test("every running-statistics write bumps the buffers' versions", () => {
    const bn = new BatchNorm2d(2);
    const before = [bn.runningMean!, bn.runningVar!, bn.numBatchesTracked!].map((t) => t.version);
    bn.forward(randn([2, 2, 3, 3]));
    const after = [bn.runningMean!, bn.runningVar!, bn.numBatchesTracked!].map((t) => t.version);
    for (const [i, v] of after.entries()) expect(v).toBeGreaterThan(before[i]!);
    // A graph that saved the old statistics must not run backward after an update.
    const x = randn([2], { requiresGrad: true });
    const y = x.mul(bn.runningVar!).sum();
    bn.forward(randn([2, 2, 3, 3]));
    expect(() => y.backward()).toThrow(InplaceModificationError);
  });

  test("gradcheck in training and eval mode", () => {
    gradcheckModule(new BatchNorm2d(2), randomTensor([3, 2, 2, 3], { seed: 1 }));
    gradcheckModule(new BatchNorm2d(2).eval(), randomTensor([2, 2, 2, 2], { seed: 2 }));
  });

  test("errors name the layer", () => {
    expect(() => new BatchNorm2d(3).forward(randn([4, 3, 5]))).toThrow(
      "BatchNorm2d: expects [N, C, H, W] with C = numFeatures = 3; got x [4, 3, 5]",
    );
    expect(() => new BatchNorm2d(3).forward(randn([4, 2, 5, 5]))).toThrow(ShapeError);
    expect(() => new BatchNorm2d(3).forward(randn([1, 3, 1, 1]))).toThrow(
      "BatchNorm2d: training needs more than one value per channel to estimate a variance; got x [1, 3, 1, 1]",
    );
    expect(() => new BatchNorm2d(0)).toThrow(
      "BatchNorm2d: numFeatures must be a positive integer; got 0",
    );
    expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow(ValueError);
    expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow("BatchNorm2d: momentum");
    expect(() => new BatchNorm2d(3, { eps: -1 })).toThrow(
      "BatchNorm2d: eps must be a number ≥ 0; got -1",
    );
    expect(() => new BatchNorm2d(3, { trackRunningStat: false } as never)).toThrow(OptionError);
  });
});

describe("GroupNorm", () => {
  test("matches PyTorch on [N, C, H, W] and, without affine, on [N, C, L]", () => {
    matchesPyTorch("GroupNorm", new GroupNorm(3, 6, f64));
    matchesPyTorch(
      "GroupNorm no affine, 3-d",
      new GroupNorm(2, 4, { ...f64, affine: false, eps: 1e-3 }),
    );
  });

  test("hand-computed: two groups of two channels", () => {
    const gn = new GroupNorm(2, 4, { eps: 0 });
    // group 0 holds [1, 3], group 1 holds [10, 30]: each becomes [−1, 1].
    const y = gn.forward(tensor([1, 3, 10, 30], { shape: [1, 4] }));
    assertClose(y, [[-1, 1, -1, 1]]);
    expect(gn.stateDict().weight!.shape).toEqual([4]);
  });

  test("same output in training and eval mode; gradcheck", () => {
    const gn = new GroupNorm(2, 4);
    const x = randn([2, 4, 3, 3]);
    assertClose(gn.forward(x), gn.eval().forward(x));
    gradcheckModule(new GroupNorm(2, 4), randomTensor([2, 4, 2, 2], { seed: 3 }));
  });

  test("errors: channels not divisible by groups, wrong channel count or rank", () => {
    expect(() => new GroupNorm(4, 6)).toThrow(
      "GroupNorm: numChannels must be divisible by numGroups; got numChannels 6 and numGroups 4",
    );
    expect(() => new GroupNorm(4, 6)).toThrow(ValueError);
    expect(() => new GroupNorm(2, 6).forward(randn([2, 4, 3]))).toThrow(
      "GroupNorm: expects [N, C, ...] with C = numChannels = 6; got x [2, 4, 3]",
    );
    expect(() => new GroupNorm(2, 6).forward(randn([6]))).toThrow(ShapeError);
    expect(() => new GroupNorm(2, 6, { epsilon: 1 } as never)).toThrow(OptionError);
  });
});

describe("InstanceNorm2d", () => {
  test("matches PyTorch: defaults, affine with running statistics (train and eval), unbatched", () => {
    matchesPyTorch("InstanceNorm2d", new InstanceNorm2d(3, f64));
    matchesPyTorch(
      "InstanceNorm2d affine, tracked",
      new InstanceNorm2d(3, { ...f64, affine: true, trackRunningStats: true }),
    );
    matchesPyTorch(
      "InstanceNorm2d tracked, eval",
      new InstanceNorm2d(3, { ...f64, affine: true, trackRunningStats: true }),
      false,
    );
    matchesPyTorch("InstanceNorm2d unbatched", new InstanceNorm2d(2, { ...f64, affine: true }));
  });

  test("PyTorch's defaults: no parameters, no buffers", () => {
    const norm = new InstanceNorm2d(3);
    expect(norm.stateDict()).toEqual({});
    expect(
      Object.keys(new InstanceNorm2d(3, { affine: true, trackRunningStats: true }).stateDict()),
    ).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
  });

  test("gradcheck", () => {
    gradcheckModule(
      new InstanceNorm2d(2, { affine: true }),
      randomTensor([2, 2, 2, 3], { seed: 4 }),
    );
  });

  test("errors name the layer", () => {
    expect(() => new InstanceNorm2d(3).forward(randn([2, 3]))).toThrow(
      "InstanceNorm2d: expects [N, C, H, W] or [C, H, W] with C = numFeatures = 3; got x [2, 3]",
    );
    expect(() => new InstanceNorm2d(3).forward(randn([1, 3, 1, 1]))).toThrow(
      "InstanceNorm2d: needs more than one spatial position to estimate a variance; got x [1, 3, 1, 1]",
    );
  });
});

describe("Dropout2d", () => {
  test("zeroes whole channels and scales the rest by 1 / (1 − p)", () => {
    const drop = new Dropout2d(0.5, { generator: new Generator(3) });
    const y = drop.forward(randn([8, 6, 3, 4]).abs().add(1));
    let dropped = 0;
    for (let nc = 0; nc < 48; nc++) {
      const channel = Array.from(y.data.subarray(nc * 12, (nc + 1) * 12));
      const zero = channel.every((v) => v === 0);
      if (zero) dropped++;
      else expect(channel.every((v) => v >= 2)).toBe(true);
    }
    expect(dropped).toBeGreaterThan(10);
    expect(dropped).toBeLessThan(38);
  });

  test("3-d inputs drop [N, C] channels along L; eval and p = 0 pass the input through", () => {
    const x = randn([4, 5, 7]).abs().add(1);
    const y = new Dropout2d(0.5, { generator: new Generator(1) }).forward(x);
    for (let nc = 0; nc < 20; nc++) {
      const row = Array.from(y.data.subarray(nc * 7, (nc + 1) * 7));
      expect(row.every((v) => v === 0) || row.every((v) => v !== 0)).toBe(true);
    }
    expect(new Dropout2d(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout2d(0).forward(x)).toBe(x);
  });

  test("the same seed drops the same channels; gradients flow through the kept ones", () => {
    manualSeed(5);
    const x = randn([2, 3, 2, 2], { requiresGrad: true });
    const a = new Dropout2d(0.5, { generator: new Generator(9) }).forward(x);
    const b = new Dropout2d(0.5, { generator: new Generator(9) }).forward(x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    a.sum().backward();
    for (let i = 0; i < x.size; i++) expect([0, 2]).toContain(x.grad!.data[i]);
  });

  test("errors name the layer", () => {
    expect(() => new Dropout2d(1.5)).toThrow(
      "Dropout2d: p must be a probability in [0, 1]; got 1.5",
    );
    expect(() => new Dropout2d(0.5).forward(randn([4, 5]))).toThrow(
      "Dropout2d: expects [N, C, H, W] (or [N, C, L]); got x [4, 5]",
    );
  });
});
