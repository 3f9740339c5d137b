import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Generator,
  OptionError,
  randn,
  relu,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  functionalCall,
  GroupNorm,
  InstanceNorm2d,
  MaxPool1d,
  MaxPool2d,
  Module,
  Upsample,
} from "@tensortape/nn";
import { loadSafetensors } from "@tensortape/nn/node";
import { describe, expect, test } from "vitest";
import { matchesPyTorch } from "./pytorch-reference.js";

const f64 = { dtype: "float64" } as const;

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

const shapes = (m: Module) =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));

describe("Conv1d and Conv2d", () => {
  test("match PyTorch: stride, padding, dilation, groups, same, padding modes, unbatched, float32", () => {
    matchesPyTorch(
      "Conv1d strided, padded, grouped",
      new Conv1d(4, 6, 3, { ...f64, stride: 2, padding: 1, groups: 2 }),
    );
    matchesPyTorch(
      "Conv1d same, dilated, reflect",
      new Conv1d(3, 2, 4, { ...f64, padding: "same", dilation: 2, paddingMode: "reflect" }),
    );
    matchesPyTorch(
      "Conv2d",
      new Conv2d(3, 4, [3, 2], { ...f64, stride: [2, 1], padding: [1, 0], dilation: [1, 2] }),
    );
    matchesPyTorch(
      "Conv2d groups, no bias, same",
      new Conv2d(4, 6, 3, { ...f64, padding: "same", groups: 2, bias: false }),
    );
    matchesPyTorch(
      "Conv2d circular",
      new Conv2d(2, 3, 3, { ...f64, padding: 1, paddingMode: "circular" }),
    );
    matchesPyTorch(
      "Conv2d replicate",
      new Conv2d(2, 3, 3, { ...f64, padding: [2, 1], paddingMode: "replicate" }),
    );
    matchesPyTorch("Conv2d unbatched", new Conv2d(2, 3, 2, f64));
    matchesPyTorch("Conv2d float32", new Conv2d(3, 8, 3, { padding: 1 }));
  });

  test("state dict: PyTorch's names and layouts", () => {
    expect(shapes(new Conv2d(3, 8, [5, 3], { groups: 1 }))).toEqual({
      weight: [8, 3, 5, 3],
      bias: [8],
    });
    expect(shapes(new Conv2d(4, 8, 3, { groups: 2, bias: false }))).toEqual({
      weight: [8, 2, 3, 3],
    });
    expect(shapes(new Conv1d(4, 6, 5))).toEqual({ weight: [6, 4, 5], bias: [6] });
    expect(shapes(new ConvTranspose2d(4, 6, 3, { groups: 2 }))).toEqual({
      weight: [4, 3, 3, 3],
      bias: [6],
    });
  });

  test("initialisation as torch.nn.Conv2d.reset_parameters: weight and bias U(−1/√fanIn, 1/√fanIn)", () => {
    // fanIn = in/groups · kh · kw = 8/2 · 3 · 3 = 36, so both bounds are 1/6.
    const conv = new Conv2d(8, 64, 3, { groups: 2, generator: new Generator(0) });
    for (const t of [conv.weight, conv.bias!]) {
      const values = Array.from(t.data);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / 6);
      // Uniform on [−b, b] has standard deviation b/√3; the largest draws come near b.
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan((1 / 6) * 0.9);
    }
    const std = Math.sqrt(
      Array.from(conv.weight.data).reduce((s, v) => s + v * v, 0) / conv.weight.size,
    );
    expect(std).toBeCloseTo(1 / 6 / Math.sqrt(3), 2);
    // Transposed: PyTorch's fanIn is weight.shape[1] · ∏k = out/groups · k², here 3 · 4 = 12.
    const up = new ConvTranspose2d(16, 3, 2, { generator: new Generator(1) });
    const bound = 1 / Math.sqrt(12);
    expect(Math.max(...Array.from(up.weight.data, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(up.weight.data, Math.abs))).toBeGreaterThan(bound * 0.9);
  });

  test("gradcheck through input, weight and bias", () => {
    gradcheckModule(
      new Conv2d(2, 4, 3, { stride: 2, padding: 1, groups: 2 }),
      randomTensor([2, 2, 5, 4], { seed: 1 }),
    );
    gradcheckModule(
      new Conv1d(2, 2, 3, { paddingMode: "reflect", padding: 1 }),
      randomTensor([1, 2, 6], { seed: 2 }),
    );
  });

  test("a hand-computed 2×2 kernel", () => {
    const conv = new Conv2d(1, 1, 2);
    conv.loadStateDict({
      weight: tensor([1, 1, 1, -1], { shape: [1, 1, 2, 2] }),
      bias: tensor([0.5]),
    });
    // x is 1..9 laid out 3×3; each output is a + b + c − d over a 2×2 block, plus 0.5.
    const y = conv.forward(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] }));
    assertClose(y.reshape([4]), [
      1 + 2 + 4 - 5 + 0.5,
      2 + 3 + 5 - 6 + 0.5,
      4 + 5 + 7 - 8 + 0.5,
      5 + 6 + 8 - 9 + 0.5,
    ]);
  });

  test("toString reads like PyTorch's repr", () => {
    expect(new Conv2d(1, 32, 3).toString()).toBe("Conv2d(1, 32, kernelSize=(3, 3))");
    expect(new Conv2d(4, 8, 3, { stride: 2, padding: 1, groups: 2, bias: false }).toString()).toBe(
      "Conv2d(4, 8, kernelSize=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=false)",
    );
  });

  test("errors name the layer: groups, channels, rank, options", () => {
    expect(() => new Conv2d(6, 4, 3, { groups: 4 })).toThrow(
      "Conv2d: inChannels and outChannels must be divisible by groups; got inChannels 6, outChannels 4 and groups 4",
    );
    expect(() => new Conv2d(6, 4, 3, { groups: 4 })).toThrow(ValueError);
    expect(() => new Conv2d(3, 4, 3).forward(randn([2, 2, 8, 8]))).toThrow(
      "Conv2d: expects [N, C, H, W] or [C, H, W] with C = inChannels = 3; got x [2, 2, 8, 8] and weight [4, 3, 3, 3]",
    );
    expect(() => new Conv2d(3, 4, 3).forward(randn([8, 8]))).toThrow(ShapeError);
    expect(() => new Conv1d(3, 4, 3).forward(randn([2, 3, 8, 8]))).toThrow(
      "Conv1d: expects [N, C, L] or [C, L] with C = inChannels = 3; got x [2, 3, 8, 8] and weight [4, 3, 3]",
    );
    expect(() => new Conv2d(3, 4, [3, 3, 3])).toThrow(
      "Conv2d: kernelSize must be an integer or 2 integers ≥ 1; got [3, 3, 3]",
    );
    expect(() => new Conv2d(3, 4, 3, { padding: "same", stride: 2 })).toThrow(
      'Conv2d: padding "same" needs stride 1; got stride (2, 2)',
    );
    expect(() => new Conv2d(3, 4, 3, { paddingMode: "mirror" as never })).toThrow(
      'Conv2d: paddingMode must be "zeros", "reflect", "replicate", "circular"; got "mirror"',
    );
    expect(() => new Conv2d(0, 4, 3)).toThrow(
      "Conv2d: inChannels must be a positive integer; got 0",
    );
    expect(() => new Conv2d(3, 4, 3, { strides: 2 } as never)).toThrow(OptionError);
  });
});

describe("ConvTranspose2d", () => {
  test("matches PyTorch: stride, padding, outputPadding, groups, dilation, float32", () => {
    matchesPyTorch(
      "ConvTranspose2d",
      new ConvTranspose2d(4, 6, 3, { ...f64, stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    );
    matchesPyTorch(
      "ConvTranspose2d dilated",
      new ConvTranspose2d(2, 3, [2, 3], { ...f64, stride: [1, 2], dilation: 2 }),
    );
    matchesPyTorch(
      "ConvTranspose2d float32",
      new ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 }),
    );
  });

  test("outputSize picks the output padding, as PyTorch's forward(input, output_size)", () => {
    const up = new ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 });
    const x = randn([1, 2, 4, 4]);
    expect(up.forward(x).shape).toEqual([1, 2, 7, 7]);
    expect(up.forward(x, [8, 7]).shape).toEqual([1, 2, 8, 7]);
    expect(up.forward(x, [1, 2, 8, 8]).shape).toEqual([1, 2, 8, 8]);
    expect(() => up.forward(x, [9, 8])).toThrow(
      "ConvTranspose2d: outputSize must be 2 sizes between (7, 7) and (8, 8); got x [1, 2, 4, 4] and outputSize [9, 8]",
    );
  });

  test("gradcheck; errors name the layer", () => {
    gradcheckModule(
      new ConvTranspose2d(2, 2, 2, { stride: 2 }),
      randomTensor([1, 2, 3, 2], { seed: 3 }),
    );
    expect(() => new ConvTranspose2d(4, 6, 3, { outputPadding: 2, stride: 2 })).toThrow(
      "ConvTranspose2d: outputPadding must be smaller than stride or dilation; got outputPadding (2, 2), stride (2, 2) and dilation (1, 1)",
    );
    expect(() => new ConvTranspose2d(4, 6, 3, { paddingMode: "reflect" as never })).toThrow(
      'ConvTranspose2d: paddingMode must be "zeros"; got "reflect"',
    );
    expect(() => new ConvTranspose2d(3, 6, 3, { groups: 2 })).toThrow(ValueError);
    expect(() => new ConvTranspose2d(3, 6, 3).forward(randn([1, 6, 4, 4]))).toThrow(ShapeError);
  });
});

describe("pooling", () => {
  test("match PyTorch: max, average and adaptive average pooling", () => {
    matchesPyTorch("MaxPool1d", new MaxPool1d(3, { stride: 2, padding: 1 }));
    matchesPyTorch("MaxPool2d", new MaxPool2d(2));
    matchesPyTorch(
      "MaxPool2d padded, dilated, ceil",
      new MaxPool2d(3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }),
    );
    matchesPyTorch("AvgPool2d", new AvgPool2d(2));
    matchesPyTorch(
      "AvgPool2d padded, ceil, excluding padding",
      new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    );
    matchesPyTorch(
      "AvgPool2d divisor override",
      new AvgPool2d([2, 3], { padding: 1, divisorOverride: 4 }),
    );
    matchesPyTorch("AdaptiveAvgPool2d", new AdaptiveAvgPool2d([3, 2]));
    matchesPyTorch("AdaptiveAvgPool2d None", new AdaptiveAvgPool2d([null, 3]));
  });

  test("no parameters, the stride defaults to the kernel, unbatched inputs", () => {
    const pool = new MaxPool2d(2);
    expect(pool.stateDict()).toEqual({});
    expect(pool.stride).toEqual([2, 2]);
    expect(pool.forward(randn([3, 6, 4])).shape).toEqual([3, 3, 2]);
    expect(new AdaptiveAvgPool2d(1).forward(randn([2, 5, 7, 3])).shape).toEqual([2, 5, 1, 1]);
  });

  test("errors name the layer", () => {
    expect(() => new MaxPool2d(2).forward(randn([4, 4]))).toThrow(
      "MaxPool2d: expects [N, C, H, W] or [C, H, W]; got x [4, 4]",
    );
    expect(() => new MaxPool1d(2).forward(randn([1, 2, 4, 4]))).toThrow(ShapeError);
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(
      "MaxPool2d: padding must be at most half the dilated kernel; got padding (2, 2) and kernelSize (2, 2)",
    );
    expect(() => new AvgPool2d(2, { padding: 2 })).toThrow(
      "AvgPool2d: padding must be at most half the kernel",
    );
    expect(() => new AvgPool2d(2, { divisorOverride: 0 })).toThrow(
      "AvgPool2d: divisorOverride must be a positive integer; got 0",
    );
    expect(() => new AdaptiveAvgPool2d([1, 2, 3])).toThrow(
      "AdaptiveAvgPool2d: outputSize must be an integer ≥ 0 or two of them (null keeps the input's); got [1, 2, 3]",
    );
    expect(() => new MaxPool2d(2, { returnIndices: true } as never)).toThrow(OptionError);
  });
});

describe("Upsample", () => {
  test("matches PyTorch: nearest by factor and to a size, bilinear with and without alignCorners", () => {
    matchesPyTorch("Upsample nearest", new Upsample({ scaleFactor: 2 }));
    matchesPyTorch("Upsample nearest size", new Upsample({ size: [5, 7] }));
    matchesPyTorch("Upsample bilinear", new Upsample({ scaleFactor: 2, mode: "bilinear" }));
    matchesPyTorch(
      "Upsample bilinear align corners",
      new Upsample({ size: [5, 6], mode: "bilinear", alignCorners: true }),
    );
  });

  test("errors name the layer", () => {
    expect(() => new Upsample({})).toThrow(
      "Upsample: exactly one of size and scaleFactor must be given",
    );
    expect(() => new Upsample({ scaleFactor: 2, mode: "bicubic" as never })).toThrow(
      'Upsample: mode must be "nearest" or "bilinear"; got "bicubic"',
    );
    expect(() => new Upsample({ scaleFactor: 2, alignCorners: true })).toThrow(
      'Upsample: alignCorners only applies to mode "bilinear"; got mode "nearest"',
    );
    expect(() =>
      new Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(randn([1, 2, 4])),
    ).toThrow('Upsample: expects [N, C, H, W] for mode "bilinear"; got x [1, 2, 4]');
  });
});

/** The small network of fixtures/conv/reference.py, with PyTorch's module names. */
class SmallNet extends Module {
  conv = new Conv2d(3, 8, 3, { padding: 1, bias: false });
  bn = new BatchNorm2d(8);
  pool = new MaxPool2d(2);
  grouped = new Conv2d(8, 8, 3, { padding: "same", groups: 2, paddingMode: "reflect" });
  gn = new GroupNorm(2, 8);
  up = new ConvTranspose2d(8, 4, 2, { stride: 2 });
  inorm = new InstanceNorm2d(4, { affine: true, trackRunningStats: true });
  avg = new AdaptiveAvgPool2d([2, 3]);

  override forward(x: Tensor): Tensor {
    let h = relu(this.bn.forward(this.conv.forward(x)));
    h = relu(this.gn.forward(this.grouped.forward(this.pool.forward(h))));
    return this.avg.forward(this.inorm.forward(this.up.forward(h)));
  }
}

describe("a network of these layers that PyTorch saved", () => {
  test("loads unchanged (num_batches_tracked from int64) and gives PyTorch's eval output", async () => {
    const path = fileURLToPath(new URL("./fixtures/conv/small-net.safetensors", import.meta.url));
    const { tensors } = await loadSafetensors(path);
    const net = new SmallNet();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(net.stateDict()).sort());
    net.loadStateDict(tensors);
    net.eval();
    const expected = JSON.parse(
      readFileSync(new URL("./fixtures/conv/small-net.json", import.meta.url), "utf8"),
    ) as {
      x: { shape: number[]; data: number[] };
      y: { shape: number[]; data: number[] };
      numBatchesTracked: number;
    };
    expect(net.bn.numBatchesTracked!.item()).toBe(expected.numBatchesTracked);
    const y = net.forward(tensor(expected.x.data, { shape: expected.x.shape }));
    expect(y.shape).toEqual(expected.y.shape);
    assertClose(y, tensor(expected.y.data, { shape: expected.y.shape }), {
      atol: 1e-5,
      rtol: 1e-4,
    });
  });
});
