import { tensor } from "@tensortape/core";
import { assertClose, gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import {
  activation,
  ELU,
  elu,
  GELU,
  gelu,
  Identity,
  LeakyReLU,
  LogSoftmax,
  leakyRelu,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  silu,
  softplus,
  Tanh,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

describe("functional activations against their formulas", () => {
  const xs = [-3, -0.5, 0.25, 2];
  test("softplus = log(1 + eˣ)", () => {
    assertClose(
      softplus(tensor(xs, { dtype: "float64" })),
      xs.map((x) => Math.log(1 + Math.exp(x))),
      {
        atol: 1e-12,
      },
    );
  });
  test('gelu(x, { approximate: "tanh" }) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))', () => {
    const f = (x: number) =>
      0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const y = gelu(tensor(xs, { dtype: "float64" }), { approximate: "tanh" });
    assertClose(y, xs.map(f), { atol: 1e-12 });
  });
  test("silu = x·σ(x)", () => {
    assertClose(
      silu(tensor(xs, { dtype: "float64" })),
      xs.map((x) => x * sigma(x)),
      { atol: 1e-12 },
    );
  });
  test("leakyRelu and elu", () => {
    assertClose(
      leakyRelu(tensor(xs), 0.1),
      xs.map((x) => (x > 0 ? x : 0.1 * x)),
    );
    assertClose(
      elu(tensor(xs, { dtype: "float64" }), 2),
      xs.map((x) => (x > 0 ? x : 2 * (Math.exp(x) - 1))),
      {
        atol: 1e-12,
      },
    );
  });
});

describe("stability and kinks", () => {
  test("softplus is finite for huge inputs, and its gradient at 0 is σ(0) = ½", () => {
    const x = tensor([-1000, 0, 1000], { requiresGrad: true });
    const y = softplus(x);
    expect(Array.from(y.data)).toEqual([0, Math.fround(Math.log(2)), 1000]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0.5, 1]);
  });

  test("elu's gradient stays finite when the discarded branch would overflow", () => {
    const x = tensor([1000, -1000], { requiresGrad: true });
    elu(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 0]);
  });

  test("leakyRelu's gradient at 0 is the slope, as PyTorch", () => {
    const x = tensor([0], { requiresGrad: true });
    leakyRelu(x, 0.2).sum().backward();
    expect(x.grad!.item()).toBeCloseTo(0.2, 6);
  });
});

describe("gradients", () => {
  const x = () => randomTensor([3, 4], { seed: 11, awayFrom: [0] });
  test.each([
    ["softplus", softplus],
    ["gelu", gelu],
    ["silu", silu],
    ["leakyRelu", (t: Parameters<typeof leakyRelu>[0]) => leakyRelu(t, 0.1)],
    ["elu", elu],
  ] as const)("%s gradchecks", (_, f) => {
    gradcheck((t) => f(t), [x()]);
  });

  test("softplus's own backward rule can itself be differentiated", () => {
    gradgradcheck((t) => softplus(t), [x()]);
  });
});

test("activation modules apply their functions", () => {
  const t = tensor([-1, 0.5]);
  const cases = [
    [new ReLU(), [0, 0.5]],
    [new LeakyReLU(0.5), [-0.5, 0.5]],
    [new Sigmoid(), [sigma(-1), sigma(0.5)]],
    [new Tanh(), [Math.tanh(-1), Math.tanh(0.5)]],
    [new SiLU(), [-sigma(-1), 0.5 * sigma(0.5)]],
    [new Softplus(), [Math.log(1 + Math.exp(-1)), Math.log(1 + Math.exp(0.5))]],
    [new ELU(), [Math.exp(-1) - 1, 0.5]],
    [new GELU(), Array.from(gelu(t).data)],
    [new Identity(), [-1, 0.5]],
    [
      new Softmax(),
      [
        Math.exp(-1) / (Math.exp(-1) + Math.exp(0.5)),
        Math.exp(0.5) / (Math.exp(-1) + Math.exp(0.5)),
      ],
    ],
    [
      new LogSoftmax(),
      [-1 - Math.log(Math.exp(-1) + Math.exp(0.5)), 0.5 - Math.log(Math.exp(-1) + Math.exp(0.5))],
    ],
  ] as const;
  for (const [module, expected] of cases) assertClose(module.forward(t), expected);
});

test("activation() resolves names and passes functions through", () => {
  const square = (t: ReturnType<typeof tensor>) => t.square();
  expect(activation(square)).toBe(square);
  expect(Array.from(activation("relu")(tensor([-1, 2])).data)).toEqual([0, 2]);
  expect(() => activation("swish" as "relu")).toThrow(
    'activation: unknown activation "swish"; known: identity, relu, leakyRelu, sigmoid, tanh, gelu, silu, softplus, elu',
  );
});
