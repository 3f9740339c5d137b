// Holds every loss, in its functional and its module form, to PyTorch in float64: values and
// gradients over the option combinations that change the result. The cases are in
// fixtures/losses/reference.json, written by fixtures/losses/generate.py.
import { readFileSync } from "node:fs";
import { type DType, type Tensor, tensor } from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import * as nn from "@tensortape/nn";
import { describe, expect, test } from "vitest";

interface Encoded {
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: (number | string)[];
}

interface LossCase {
  readonly name: string;
  readonly fn: string;
  readonly options: Record<string, unknown>;
  readonly inputs: Record<string, Encoded>;
  readonly output: Encoded;
  readonly g: Encoded;
  readonly grads: Record<string, Encoded | null>;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/losses/reference.json", import.meta.url), "utf8"),
) as { stateDictKeys: Record<string, string[]>; cases: LossCase[] };

function decode(e: Encoded, requiresGrad = false): Tensor {
  const data = e.data.map((v) => (typeof v === "string" ? Number(v) : v));
  return tensor(data, { shape: e.shape, dtype: e.dtype, requiresGrad });
}

type LossFn = (input: Tensor, target: Tensor, options: object) => Tensor;
type LossModule = new (options: object) => nn.Module & { forward(a: Tensor, b: Tensor): Tensor };

const forms: Record<string, [LossFn, LossModule]> = {
  crossEntropy: [nn.crossEntropy, nn.CrossEntropyLoss],
  nllLoss: [nn.nllLoss, nn.NLLLoss],
  mseLoss: [nn.mseLoss, nn.MSELoss],
  l1Loss: [nn.l1Loss, nn.L1Loss],
  smoothL1Loss: [nn.smoothL1Loss, nn.SmoothL1Loss],
  huberLoss: [nn.huberLoss, nn.HuberLoss],
  kldivLoss: [nn.kldivLoss, nn.KLDivLoss],
  bceLoss: [nn.bceLoss, nn.BCELoss],
  binaryCrossEntropyWithLogits: [nn.binaryCrossEntropyWithLogits, nn.BCEWithLogitsLoss],
};

const tolerance = { atol: 1e-11, rtol: 1e-10 };

/** Runs one case with `run` and compares the output and every gradient PyTorch recorded. */
function check(c: LossCase, run: (input: Tensor, target: Tensor, options: object) => Tensor) {
  const input = decode(c.inputs.input!, "input" in c.grads);
  const target = decode(c.inputs.target!, "target" in c.grads);
  // The fixture marks a weight option `true`; the tensor itself is among the inputs.
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, v]) => [
      k,
      v === true && c.inputs[k] ? decode(c.inputs[k]!) : v,
    ]),
  );
  const out = run(input, target, options);
  expect(out.dtype).toBe("float64");
  expect(out.shape).toEqual(c.output.shape);
  assertClose(out, decode(c.output), tolerance);
  out.backward(decode(c.g));
  for (const [name, expected] of Object.entries(c.grads)) {
    const leaf = name === "input" ? input : target;
    expect(leaf.grad, `${name} gradient`).toBeDefined();
    assertClose(leaf.grad!, decode(expected!), tolerance);
  }
}

describe.each(Object.keys(forms))("%s against PyTorch", (fn) => {
  const cases = fixture.cases.filter((c) => c.fn === fn);
  test("the fixture has cases for it", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const [f, Loss] = forms[fn]!;
    check(c, (input, target, options) => f(input, target, options));
    check(c, (input, target, options) => new Loss(options).forward(input, target));
  });
});

test("the modules' state dicts have PyTorch's keys", () => {
  const w = tensor([1, 1, 1, 1], { dtype: "float64" });
  const modules: Record<string, nn.Module> = {
    CrossEntropyLoss: new nn.CrossEntropyLoss({ weight: w }),
    NLLLoss: new nn.NLLLoss({ weight: w }),
    MSELoss: new nn.MSELoss(),
    L1Loss: new nn.L1Loss(),
    SmoothL1Loss: new nn.SmoothL1Loss(),
    HuberLoss: new nn.HuberLoss(),
    KLDivLoss: new nn.KLDivLoss(),
    BCELoss: new nn.BCELoss({ weight: w }),
    BCEWithLogitsLoss: new nn.BCEWithLogitsLoss({ weight: w, posWeight: w.clone() }),
  };
  expect(Object.keys(modules).sort()).toEqual(Object.keys(fixture.stateDictKeys).sort());
  for (const [name, module] of Object.entries(modules)) {
    expect(Object.keys(module.stateDict()), name).toEqual(fixture.stateDictKeys[name]);
    expect(module.parameters(), name).toEqual([]);
  }
});
