/**
 * Edge cases where the ops once parted from PyTorch: pow's gradients at 0 and ±∞, gather with
 * an index smaller than its input, logsumexp with infinities, axis 0 / -1 on 0-d tensors,
 * squeeze of an axis not of size 1, clamp with min > max, and the gradient of max and min at
 * ties. Expected values come from PyTorch 2.13 in float64 (fixtures/op-edge-cases.py).
 */
import { readFileSync } from "node:fs";
import {
  AxisError,
  argmax,
  argmin,
  clamp,
  gather,
  gradients,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  type NestedArray,
  pow,
  ShapeError,
  softmax,
  squeeze,
  sum,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { assertClose, gradcheck, gradgradcheck } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

/** A fixture value: numbers, with non-finite ones spelled "inf", "-inf" and "nan". */
type Value = number | string | Value[];

interface Case {
  readonly inputs: Value[];
  readonly output: Value;
  readonly upstream?: Value;
  readonly grads?: Value[];
  readonly second?: { readonly directions: Value[]; readonly grads: Value[] };
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/op-edge-cases.json", import.meta.url), "utf8"),
) as { torch: string; cases: Record<string, Case> };

function decode(v: Value): NestedArray {
  if (Array.isArray(v)) return v.map(decode) as NestedArray;
  if (typeof v === "number") return v;
  const special: Record<string, number> = {
    inf: Number.POSITIVE_INFINITY,
    "-inf": Number.NEGATIVE_INFINITY,
    nan: Number.NaN,
  };
  if (!(v in special)) throw new Error(`op-edge-cases.json: unknown number ${v}`);
  return special[v]!;
}

function shapeOf(v: Value): number[] {
  return Array.isArray(v) ? [v.length, ...(v.length > 0 ? shapeOf(v[0]!) : [])] : [];
}

/** A float64 tensor of a fixture value, keeping the shape of empty arrays. */
function f64(v: Value, requiresGrad = false): Tensor {
  return tensor(decode(v), { dtype: "float64", shape: shapeOf(v), requiresGrad });
}

/** Inputs are float64 leaves that require grad, except those listed as indices. */
type Kind = "x" | "index";

interface Check {
  readonly f: (...inputs: Tensor[]) => Tensor;
  /** The inputs' kinds, when not all float. */
  readonly kinds?: readonly Kind[];
}

const at = (f: (...inputs: Tensor[]) => Tensor, ...kinds: Kind[]): Check => ({ f, kinds });

/** How each fixture case is computed with tensortape. */
const checks: Record<string, Check> = {
  "pow x^0": at((x) => pow(x!, 0)),
  "pow x^2": at((x) => pow(x!, 2)),
  "pow x^0.5": at((x) => pow(x!, 0.5)),
  "pow x^-1": at((x) => pow(x!, -1)),
  "pow tensor exponent": at((x, p) => pow(x!, p!)),
  "pow 2^p": at((p) => pow(2, p!)),
  "pow 0^p": at((p) => pow(0, p!)),
  "pow smooth": at((x, p) => pow(x!, p!)),
  "pow second at zero": at((x, p) => pow(x!, p!)),

  "gather smaller index": at((x, i) => gather(x!, 1, i!), "x", "index"),
  "gather axis 0, narrower and longer": at((x, i) => gather(x!, 0, i!), "x", "index"),
  "gather 3-d, smaller on both other axes": at((x, i) => gather(x!, 1, i!), "x", "index"),
  "gather 0-d": at((x, i) => gather(x!, 0, i!), "x", "index"),
  "gather 0-d input, 1-d index": at((x, i) => gather(x!, 0, i!), "x", "index"),
  "gather 1-d input, 0-d index": at((x, i) => gather(x!, -1, i!), "x", "index"),
  "gather empty index": at((x, i) => gather(x!, 1, i!), "x", "index"),

  "logsumexp [inf, 1]": at((x) => logsumexp(x!, 0)),
  "logsumexp [-inf, -inf]": at((x) => logsumexp(x!, 0)),
  "logsumexp [inf, -inf]": at((x) => logsumexp(x!, 0)),
  "logsumexp [-inf, 1]": at((x) => logsumexp(x!, 0)),
  "logsumexp [inf, inf]": at((x) => logsumexp(x!, 0)),
  "logsumexp [-inf, inf, 1]": at((x) => logsumexp(x!, 0)),
  "logsumexp [nan, 1]": at((x) => logsumexp(x!, 0)),
  "logsumexp [1000, 1000]": at((x) => logsumexp(x!, 0)),
  "logsumexp rows": at((x) => logsumexp(x!, 1)),
  "logsumexp all, keepdim": at((x) => logsumexp(x!, [0, 1], true)),
  "logsumexp empty": at((x) => logsumexp(x!, 0)),

  "clamp min > max": at((x) => clamp(x!, 3, 0)),
  "clamp at the bounds": at((x) => clamp(x!, 0, 1)),
  "clamp min only": at((x) => clamp(x!, 0)),
  "clamp max only": at((x) => clamp(x!, undefined, 0)),
  "clamp min = max": at((x) => clamp(x!, 1, 1)),
  "clamp nan bound": at((x) => clamp(x!, 0, Number.NaN)),
  "clamp with a non-finite upstream": at((x) => clamp(x!, 0, 1)),

  "max all ties": at((x) => max(x!)),
  "max all nan": at((x) => max(x!)),
  "min all ties": at((x) => min(x!)),
  "max axis ties": at((x) => max(x!, 1)),
  "max axis ties keepdim": at((x) => max(x!, 0, true)),
  "min axis ties": at((x) => min(x!, 0)),
  "amax axes ties": at((x) => max(x!, [1])),
  "amax two axes ties": at((x) => max(x!, [0, 1])),
  "amin two axes ties": at((x) => min(x!, [0, 1])),
  "max all, infinite upstream": at((x) => max(x!)),
  "amax, infinite upstream": at((x) => max(x!, [0])),
};
for (const axis of [0, -1]) {
  Object.assign(checks, {
    [`sum 0-d axis ${axis}`]: at((x) => sum(x!, axis)),
    [`sum 0-d axis ${axis} keepdim`]: at((x) => sum(x!, axis, true)),
    [`mean 0-d axis ${axis}`]: at((x) => mean(x!, axis)),
    [`max 0-d axis ${axis}`]: at((x) => max(x!, axis)),
    [`amax 0-d axis ${axis}`]: at((x) => max(x!, [axis])),
    [`min 0-d axis ${axis}`]: at((x) => min(x!, axis)),
    [`argmax 0-d axis ${axis}`]: at((x) => argmax(x!, axis)),
    [`argmin 0-d axis ${axis}`]: at((x) => argmin(x!, axis, true)),
    [`softmax 0-d axis ${axis}`]: at((x) => softmax(x!, axis)),
    [`logSoftmax 0-d axis ${axis}`]: at((x) => logSoftmax(x!, axis)),
    [`logsumexp 0-d axis ${axis}`]: at((x) => logsumexp(x!, axis)),
    [`squeeze 0-d axis ${axis}`]: at((x) => squeeze(x!, axis)),
  });
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, none was thrown");
}

/** Exact but for rounding: PyTorch and tensortape may order a sum or a product differently. */
const close = { atol: 1e-12, rtol: 1e-12 };

function expectValue(actual: Tensor, expected: Value, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(shapeOf(expected));
  try {
    assertClose(actual, decode(expected), close);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

describe(`against PyTorch ${fixture.torch} (float64)`, () => {
  test("every fixture case has a check and every check a fixture case", () => {
    expect(Object.keys(checks).sort()).toEqual(Object.keys(fixture.cases).sort());
  });

  for (const [name, c] of Object.entries(fixture.cases)) {
    test(name, () => {
      const { f, kinds = [] } = checks[name]!;
      const inputs = c.inputs.map((v, k) =>
        kinds[k] === "index"
          ? tensor(decode(v), { dtype: "int32", shape: shapeOf(v) })
          : f64(v, true),
      );
      const floats = inputs.filter((_, k) => kinds[k] !== "index");
      const y = f(...inputs);
      expectValue(y, c.output, "output");
      if (c.grads === undefined) {
        expect(y.requiresGrad, "an output PyTorch gives no gradient").toBe(false);
        return;
      }
      const upstream = f64(c.upstream!);
      const grads = gradients(y, floats, upstream, { createGraph: c.second !== undefined });
      for (const [k, g] of grads.entries()) expectValue(g, c.grads![k]!, `gradient of input ${k}`);
      if (c.second) {
        // Σ_k ⟨∂(v·y)/∂x_k, u_k⟩ differentiated again: a Hessian-vector product.
        const directions = c.second.directions.map((u) => f64(u));
        const total = grads.map((g, k) => sum(g.mul(directions[k]!))).reduce((a, b) => a.add(b));
        const hvp = gradients(total, floats);
        for (const [k, h] of hvp.entries()) {
          expectValue(h, c.second!.grads[k]!, `second derivative ${k}`);
        }
      }
    });
  }
});

describe("pow", () => {
  test("gradients of both inputs, and their second derivatives, away from 0", () => {
    const x = tensor([0.7, 1.3, 2.1, 0.4, 3.2], { dtype: "float64" });
    const p = tensor([1.5, -0.5, 2, 3, 0.3], { dtype: "float64" });
    gradcheck((a, b) => pow(a!, b!), [x, p]);
    gradgradcheck((a, b) => pow(a!, b!), [x, p]);
  });

  test("x^0 has gradient 0 at x = 0, and 0^p has gradient 0 in p for p ≥ 0", () => {
    const x = tensor([0, 1, -2], { dtype: "float64", requiresGrad: true });
    expect(gradients(pow(x, 0).sum(), [x])[0]!.toArray()).toEqual([0, 0, 0]);
    const p = tensor([0, 0.5, 2], { dtype: "float64", requiresGrad: true });
    expect(gradients(pow(0, p).sum(), [p])[0]!.toArray()).toEqual([0, 0, 0]);
  });
});

describe("gather with an index smaller than its input", () => {
  const square = () =>
    tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  const index = () =>
    tensor(
      [
        [0, 1],
        [1, 0],
      ],
      { dtype: "int32" },
    );

  test("reads the leading rows, as PyTorch does", () => {
    expect(square().gather(1, index()).toArray()).toEqual([
      [1, 2],
      [5, 4],
    ]);
  });

  test("its gradient, and the gradient's gradient, against finite differences", () => {
    const x = tensor(
      [
        [0.3, -1.2, 0.8, 2.0],
        [1.1, 0.4, -0.6, 0.9],
        [-0.2, 1.7, 0.5, -1.4],
      ],
      { dtype: "float64" },
    );
    const i = tensor(
      [
        [3, 0, 3],
        [1, 1, 2],
      ],
      { dtype: "int32" },
    );
    gradcheck((a) => gather(a!, 1, i).square(), [x]);
    gradgradcheck((a) => gather(a!, 1, i).square(), [x]);
  });

  test("an index larger than the input on another axis is a ShapeError naming both", () => {
    const big = tensor([[0], [1], [2], [0]], { dtype: "int32" });
    const e = thrown(() => gather(square(), 1, big));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe(
      "gather: index must have the input's rank and at most its size on every axis but 1; got x [3, 3] and index [4, 1]",
    );
  });

  test("indices are checked against the input's size along the axis", () => {
    const i = tensor([[0, 3]], { dtype: "int32" });
    expect(() => gather(square(), 1, i)).toThrowError(ValueError);
    expect(() => gather(square(), 1, i)).toThrowError(
      "gather: index 3 at flat position 1 is out of range for axis 1 of size 3 (shape [3, 3])",
    );
  });

  test("an index of another rank is refused", () => {
    expect(() => gather(square(), 1, tensor([0, 1], { dtype: "int32" }))).toThrowError(ShapeError);
  });
});

describe("logsumexp", () => {
  test("keeps to finite differences with −∞ entries, and differentiates twice", () => {
    const x = tensor(
      [
        [0.3, Number.NEGATIVE_INFINITY, -1.2],
        [2.5, 1.1, 0.4],
      ],
      { dtype: "float64" },
    );
    gradcheck((a) => logsumexp(a!, 1), [x]);
    gradgradcheck((a) => logsumexp(a!, 1), [x]);
  });
});

describe("axes of a 0-d tensor", () => {
  const scalar = () => tensor(2.5, { dtype: "float64" });

  test("an axis past 0 / -1 names the range PyTorch gives a scalar", () => {
    for (const axis of [1, -2]) {
      const e = thrown(() => scalar().sum(axis));
      expect(e).toBeInstanceOf(AxisError);
      expect(e).toMatchObject({ op: "sum", axis, shape: [] });
      expect(e.message).toBe(
        `sum: axis out of range; got axis ${axis} for shape [] (rank 0: valid axes are -1..0)`,
      );
    }
    expect(() => softmax(scalar(), 1)).toThrowError(AxisError);
    expect(() => logSoftmax(scalar(), -2)).toThrowError(AxisError);
    expect(() => argmax(scalar(), 1)).toThrowError(AxisError);
    expect(() => squeeze(scalar(), 1)).toThrowError(AxisError);
    expect(() => gather(scalar(), 1, tensor(0, { dtype: "int32" }))).toThrowError(AxisError);
  });

  test("0 and -1 together name one axis twice", () => {
    expect(() => sum(scalar(), [0, -1])).toThrowError(/sum: axis repeated/);
  });
});

describe("squeeze", () => {
  test("an axis whose size is not 1 stays, as in PyTorch", () => {
    expect(squeeze(zeros([2, 3]), 1).shape).toEqual([2, 3]);
    expect(squeeze(zeros([2, 1, 3, 1]), [0, 1, 3]).shape).toEqual([2, 3]);
    expect(squeeze(zeros([2, 1, 3, 1]), -1).shape).toEqual([2, 1, 3]);
    expect(squeeze(zeros([2, 1, 3, 1])).shape).toEqual([2, 3]);
  });

  test("an axis out of range or repeated is still an AxisError", () => {
    expect(() => squeeze(zeros([2, 1]), 2)).toThrowError(AxisError);
    expect(() => squeeze(zeros([2, 1]), [1, -1])).toThrowError(/axis repeated/);
  });
});

describe("clamp", () => {
  test("min > max gives max everywhere and no gradient", () => {
    const x = tensor([-1.5, 0.5, 2.2, 4.1], { dtype: "float64" });
    const report = gradcheck((a) => clamp(a!, 3, 0), [x]);
    expect(report.passed).toBe(true);
    expect(clamp(x, 3, 0).toArray()).toEqual([0, 0, 0, 0]);
  });

  test("its gradient away from the bounds, and the gradient's gradient", () => {
    const x = tensor([-1.5, 0.2, 0.7, 1.4], { dtype: "float64" });
    gradcheck((a) => clamp(a!, 0, 1).square(), [x]);
    gradgradcheck((a) => clamp(a!, 0, 1).square(), [x]);
  });
});

describe("max and min at ties", () => {
  const rows = () =>
    tensor(
      [
        [1, 4, 4],
        [2, 2, 0],
      ],
      { dtype: "float64", requiresGrad: true },
    );

  test("the whole-tensor maximum splits the gradient evenly among its ties", () => {
    const x = rows();
    expect(gradients(max(x), [x])[0]!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [0, 0, 0],
    ]);
  });

  test("the maximum along one axis gives it all to the first maximum", () => {
    const x = rows();
    expect(gradients(max(x, 1).sum(), [x])[0]!.toArray()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    expect(argmax(x, 1).toArray()).toEqual([1, 0]);
  });

  test("the maximum along a list of axes splits it evenly within each slice", () => {
    const x = rows();
    expect(gradients(max(x, [1]).sum(), [x])[0]!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [0.5, 0.5, 0],
    ]);
  });

  test("min along one axis gives it to the first minimum, as argmin picks", () => {
    const x = tensor([[3, 1, 1, 2]], { dtype: "float64", requiresGrad: true });
    // assertClose: min is −max(−x), whose zeros come out as −0
    assertClose(gradients(min(x, 1).sum(), [x])[0]!, [[0, 1, 0, 0]], { atol: 0, rtol: 0 });
    assertClose(gradients(min(x).sum(), [x])[0]!, [[0, 0.5, 0.5, 0]], { atol: 0, rtol: 0 });
  });

  test("away from ties, every form of max and min keeps to finite differences", () => {
    const x = tensor(
      [
        [0.3, -1.2, 0.8],
        [1.1, 0.4, -0.6],
      ],
      { dtype: "float64" },
    );
    gradcheck((a) => max(a!, 1), [x]);
    gradcheck((a) => max(a!, [0]), [x]);
    gradcheck((a) => min(a!, 0, true), [x]);
    gradcheck((a) => min(a!), [x]);
    gradgradcheck((a) => max(a!, 1).square(), [x]);
  });
});
