// GELU in both of PyTorch's forms: exact, x·Φ(x) = ½x(1 + erf(x/√2)), by default, and
// ½x(1 + tanh(√(2/π)(x + 0.044715x³))) with approximate: "tanh"; for the layer and for
// activation: "gelu" alike, passed through to core's gelu.
import { OptionError, tensor, ValueError } from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { activation, Dense, GELU } from "@tensortape/nn";
import { describe, expect, test } from "vitest";

const xs = [-1, 0.5, 1];
// erf(1/√2) = 0.6826894921370859 and erf(0.5/√2) = 0.3829249225480262, so:
const exact = [
  -0.5 * (1 - 0.6826894921370859),
  0.25 * (1 + 0.3829249225480262),
  0.5 * (1 + 0.6826894921370859),
];
const tanhForm = xs.map(
  (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
);
const x = () => tensor(xs, { dtype: "float64" });

describe("the GELU layer", () => {
  test("is exact by default, as torch.nn.GELU()", () => {
    const layer = new GELU();
    expect(layer.approximate).toBe("none");
    assertClose(layer.forward(x()), exact, { atol: 1e-12 });
    expect(layer.toString()).toBe("GELU(approximate=none)");
  });

  test('takes approximate: "tanh"', () => {
    const layer = new GELU({ approximate: "tanh" });
    assertClose(layer.forward(x()), tanhForm, { atol: 1e-12 });
    // The two forms differ by about 1.5e-4 at x = −1: the option is not ignored.
    expect(Math.abs(tanhForm[0]! - exact[0]!)).toBeGreaterThan(1e-4);
    expect(layer.toString()).toBe("GELU(approximate=tanh)");
  });

  test("refuses an unknown form or option", () => {
    expect(() => new GELU({ approximate: "erf" as "none" })).toThrow(ValueError);
    expect(() => new GELU({ approximate: "erf" as "none" })).toThrow(
      'GELU: approximate must be "none" or "tanh"; got "erf"',
    );
    expect(() => new GELU({ approximation: "tanh" } as never)).toThrow(OptionError);
  });
});

describe('activation: "gelu"', () => {
  test("by name it is exact; with options it takes either form", () => {
    assertClose(activation("gelu")(x()), exact, { atol: 1e-12 });
    assertClose(activation({ name: "gelu", approximate: "tanh" })(x()), tanhForm, { atol: 1e-12 });
    assertClose(activation({ name: "gelu" })(x()), exact, { atol: 1e-12 });
  });

  test("Dense passes the form through", () => {
    const weight = tensor([[1]], { dtype: "float64", requiresGrad: true });
    const input = tensor([[-1]], { dtype: "float64" });
    for (const [act, expected] of [
      ["gelu", exact[0]!],
      [{ name: "gelu", approximate: "tanh" }, tanhForm[0]!],
    ] as const) {
      const layer = new Dense(1, 1, { activation: act, bias: false, dtype: "float64" });
      layer.weight = weight;
      expect(layer.forward(input).item()).toBeCloseTo(expected, 12);
    }
    expect(new Dense(1, 1, { activation: { name: "gelu", approximate: "tanh" } }).toString()).toBe(
      "Dense(1 → 1, gelu(approximate=tanh))",
    );
  });

  test("an activation spec is checked", () => {
    expect(
      () => new Dense(1, 1, { activation: { name: "gelu", approximate: "fast" as "tanh" } }),
    ).toThrow('Dense: approximate must be "none" or "tanh"; got "fast"');
    expect(
      () => new Dense(1, 1, { activation: { name: "gelu", aproximate: "tanh" } as never }),
    ).toThrow(OptionError);
    expect(() => new Dense(1, 1, { activation: { name: "relu" } as never })).toThrow(ValueError);
  });
});
