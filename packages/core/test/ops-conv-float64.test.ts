/**
 * The float64-only half of ops-conv.test.ts, which runs on the CPU only: first and second
 * derivatives of the convolution, pooling, im2col and interpolation ops against finite
 * differences (gradcheck and gradgradcheck need float64, which WebGPU lacks; the GPU's first
 * derivatives of these ops are held to the CPU's in webgpu/op-gradients.test.ts); and the
 * batch split into chunks, which is the CPU kernels' (at 36000 operand elements per sample, a
 * size SwiftShader takes a minute over).
 */
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  fold,
  Generator,
  getBackend,
  gradients,
  interpolate,
  matmul,
  maxPool1d,
  maxPool2d,
  randn,
  type Tensor,
  tensor,
  unfold,
} from "@tensortape/core";
import {
  assertClose,
  gradcheck,
  gradgradcheck,
  maxAbsDiff,
  randomTensor,
} from "@tensortape/core/testing";
import { describe, expect, test, vi } from "vitest";
import { convTesting } from "../src/ops/nn/conv-products.js";

let seed = 100;
const r = (shape: number[]) => randomTensor(shape, { seed: seed++, dtype: "float64" });
/** Distinct values, so no window's maximum is a tie that a finite difference would split. */
const distinct = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n - 0.5);
  return tensor(values, { dtype: "float64", shape });
};

describe("first and second derivatives against finite differences", () => {
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    [
      "conv2d stride, padding, dilation, groups",
      (x, w, b) => conv2d(x!, w!, b, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }),
      [r([1, 4, 5, 5]), r([2, 2, 2, 3]), r([2])],
    ],
    [
      "conv2d reflect padding",
      (x, w) => conv2d(x!, w!, null, { padding: 1, paddingMode: "reflect" }),
      [r([1, 1, 3, 4]), r([2, 1, 3, 3])],
    ],
    ["conv2d 1×1", (x, w) => conv2d(x!, w!), [r([2, 3, 2, 2]), r([2, 3, 1, 1])]],
    [
      "conv1d same",
      (x, w, b) => conv1d(x!, w!, b, { padding: "same" }),
      [r([2, 2, 5]), r([3, 2, 2]), r([3])],
    ],
    [
      "convTranspose2d",
      (x, w, b) => convTranspose2d(x!, w!, b, { stride: 2, padding: 1, outputPadding: 1 }),
      [r([1, 2, 2, 3]), r([2, 2, 3, 3]), r([2])],
    ],
    [
      "convTranspose1d groups",
      (x, w) => convTranspose1d(x!, w!, null, { stride: 2, groups: 2 }),
      [r([1, 2, 3]), r([2, 2, 3])],
    ],
    [
      "maxPool2d",
      (x) => maxPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true }),
      [distinct([1, 2, 5, 6])],
    ],
    ["maxPool1d", (x) => maxPool1d(x!, 2, { dilation: 2 }), [distinct([2, 1, 7])]],
    [
      "avgPool2d",
      (x) => avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }),
      [r([1, 2, 5, 4])],
    ],
    ["avgPool1d", (x) => avgPool1d(x!, 2, { ceilMode: true }), [r([1, 2, 5])]],
    ["adaptiveAvgPool2d", (x) => adaptiveAvgPool2d(x!, [2, 3]), [r([1, 2, 5, 4])]],
    ["adaptiveAvgPool1d", (x) => adaptiveAvgPool1d(x!, 3), [r([1, 2, 5])]],
    ["adaptiveMaxPool2d", (x) => adaptiveMaxPool2d(x!, [2, 3]), [distinct([1, 2, 5, 4])]],
    ["unfold", (x) => unfold(x!, 2, { padding: 1, stride: 2 }), [r([1, 2, 3, 3])]],
    ["fold", (x) => fold(x!, [3, 3], 2), [r([1, 8, 4])]],
    [
      "interpolate bilinear",
      (x) => interpolate(x!, { size: [3, 5], mode: "bilinear" }),
      [r([1, 1, 2, 3])],
    ],
    ["interpolate nearest", (x) => interpolate(x!, { scaleFactor: 1.5 }), [r([1, 2, 3])]],
  ];
  for (const [name, f, inputs] of cases) {
    test(`gradcheck ${name}`, () => expect(gradcheck(f, inputs).passed).toBe(true));
    test(`gradgradcheck ${name}`, () => expect(gradgradcheck(f, inputs).passed).toBe(true));
  }
});

describe("batches split into chunks of samples", () => {
  test("conv2d and its gradients equal unfold, matmul and fold over the whole batch", () => {
    // 12063 + 2·12000 operand elements per sample (and 128 for the weight's product): calls of
    // two samples, so the batch of 3 runs in 2 chunks.
    convTesting.callElements = 80_000;
    const products = vi.spyOn(getBackend(), "matmul");
    const x = randomTensor([3, 1, 1, 12063], { seed: 5, dtype: "float64" }).requireGrad();
    const w = randomTensor([2, 1, 1, 64], { seed: 6, dtype: "float64" }).requireGrad();
    const g = randomTensor([3, 2, 1, 12000], { seed: 7, dtype: "float64" });
    const y = conv2d(x, w);
    y.backward(g);
    // Two calls for each of the product, its input gradient and its weight gradient (the
    // backend's own lowering calls matmul again, without windows).
    const windowed = products.mock.calls.filter(([, , , args]) => args.bWindow || args.outWindow);
    expect(windowed).toHaveLength(6);
    vi.restoreAllMocks();
    convTesting.callElements = undefined;
    const [dx, dw] = [x.grad!, w.grad!];
    x.zeroGrad();
    w.zeroGrad();
    const expected = matmul(w.reshape([2, 64]), unfold(x, [1, 64])).reshape([3, 2, 1, 12000]);
    expected.backward(g);
    for (const [a, b] of [
      [y, expected],
      [dx, x.grad!],
      [dw, w.grad!],
    ] as const) {
      expect(a.shape).toEqual(b.shape);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-9);
    }
    // The transposed convolution over the same chunks is fold(Wᵀ · g).
    const t = convTranspose2d(g, w.detach());
    const columns = matmul(w.detach().reshape([2, 64]), g.reshape([3, 2, 12000]), { transA: true });
    expect(maxAbsDiff(t, fold(columns, [1, 12063], [1, 64]))).toBeLessThan(1e-9);
  });
});

describe("the bias added with a convolution's products", () => {
  test("gives the bits of the convolution and then the bias added, and the same gradients", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = randn([3, 4, 9, 8], { dtype, generator: new Generator(5) }).requireGrad();
      const w = randn([6, 4, 3, 3], { dtype, generator: new Generator(6) }).requireGrad();
      const b = randn([6], { dtype, generator: new Generator(7) }).requireGrad();
      const fused = conv2d(x, w, b, { padding: 1, stride: [1, 2] });
      const apart = conv2d(x, w, null, { padding: 1, stride: [1, 2] }).add(b.reshape([6, 1, 1]));
      expect(fused.toArray()).toEqual(apart.toArray());
      const upstream = randn(fused.shape, { dtype, generator: new Generator(8) });
      const [gx, gw, gb] = gradients(fused, [x, w, b], upstream);
      const [ax, aw, ab] = gradients(apart, [x, w, b], upstream);
      expect(gx!.toArray()).toEqual(ax!.toArray());
      expect(gw!.toArray()).toEqual(aw!.toArray());
      assertClose(gb!, ab!, { rtol: dtype === "float32" ? 1e-6 : 1e-14 });
    }
  });
});
