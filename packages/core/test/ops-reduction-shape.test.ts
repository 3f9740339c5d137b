/**
 * The reduction, scan and shape ops against PyTorch 2.13 in float64: values, gradients and
 * second derivatives (fixtures/reduction-shape.py writes them), on zero-size, negative-axis,
 * keepDims and broadcast inputs; hand-derived gradients where PyTorch's rules need care (zeros
 * in prod and cumprod, the norm at zero); and the errors each op throws. The webgpu-ops
 * project runs this file again on the GPU, in float32 (on-device.ts); the gradchecks, which
 * need float64, are in ops-reduction-shape-float64.test.ts.
 */
import { readFileSync } from "node:fs";
import {
  AxisError,
  all,
  any,
  arange,
  chunk,
  cummax,
  cummin,
  cumprod,
  cumsum,
  DTypeError,
  diag,
  diagonal,
  expand,
  flip,
  gradients,
  logcumsumexp,
  movedim,
  norm,
  OptionError,
  ones,
  pad,
  prod,
  repeat,
  repeatInterleave,
  roll,
  ShapeError,
  split,
  std,
  sum,
  type Tensor,
  tensor,
  tile,
  tril,
  triu,
  unbind,
  unflatten,
  ValueError,
  var as variance,
  zeros,
} from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { closeTo, widestFloat } from "./on-device.js";

/** A fixture tensor: flat data with non-finite values spelled "NaN", "Infinity", "-Infinity". */
interface Encoded {
  readonly shape: number[];
  readonly dtype: "float64" | "int32" | "bool";
  readonly data: (number | string)[];
}

interface Case {
  readonly name: string;
  readonly inputs: Encoded[];
  readonly outputs: Encoded[];
  readonly upstream?: Encoded[];
  readonly grads?: Encoded[];
  readonly weights?: Encoded[];
  readonly second?: Encoded[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/reduction-shape.json", import.meta.url), "utf8"),
) as { torch: string; cases: Case[] };

function decode(e: Encoded, requiresGrad = false): Tensor {
  const data = e.data.map((v) => (typeof v === "number" ? v : Number(v)));
  const dtype = e.dtype === "float64" ? widestFloat : e.dtype;
  return tensor(data, { dtype, shape: e.shape, requiresGrad });
}

type Result = Tensor | readonly Tensor[] | { values: Tensor; indices: Tensor };

/** One function per fixture case, by the same name, calling the op as PyTorch's case does. */
const ops: Record<string, (x: Tensor) => Result> = {
  "prod all": (x) => prod(x),
  "prod axis -1 keepDims": (x) => prod(x, -1, true),
  "prod axis 1 with zeros": (x) => prod(x, 1),
  "prod axis 0 with zeros": (x) => x.prod(0),
  "prod all one zero": (x) => prod(x),
  "prod all two zeros": (x) => prod(x),
  "prod axes [0, 2]": (x) => prod(x, [0, 2]),
  "prod empty axis": (x) => prod(x, 1),
  "prod 0-d": (x) => prod(x),
  "var all": (x) => variance(x),
  "var axis -1 keepDims": (x) => variance(x, -1, { keepDims: true }),
  "var correction 0 axes [0, 2]": (x) => variance(x, [0, 2], { correction: 0 }),
  "var correction 2": (x) => x.var(1, { correction: 2 }),
  "var one element": (x) => variance(x, 0),
  "std axis 0": (x) => std(x, 0),
  "std zero deviation": (x) => x.std(1),
  "std correction 0 keepDims": (x) => std(x, -1, { correction: 0, keepDims: true }),
  "norm 2 all": (x) => norm(x),
  "norm 2 with a zero row": (x) => norm(x, 2, 1),
  "norm fro axes [0, 1] keepDims": (x) => norm(x, "fro", [0, 1], true),
  "norm 1 axis -1": (x) => norm(x, 1, -1),
  "norm inf axis 1": (x) => x.norm(Number.POSITIVE_INFINITY, 1),
  "norm -inf axis 0": (x) => norm(x, Number.NEGATIVE_INFINITY, 0),
  "norm 0": (x) => norm(x, 0),
  "norm 3 axis 1": (x) => norm(x, 3, 1),
  "norm 0.5 with zeros": (x) => norm(x, 0.5, 1),
  "norm -1": (x) => norm(x, -1, 1),
  "norm 2 empty": (x) => norm(x, 2, 0),
  "cumsum axis 0": (x) => cumsum(x, 0),
  "cumsum axis -1 3-d": (x) => x.cumsum(-1),
  "cumsum 0-d": (x) => cumsum(x, 0),
  "cumsum empty": (x) => cumsum(x, 0),
  "cumprod axis -1": (x) => cumprod(x, -1),
  "cumprod axis 1 with zeros": (x) => x.cumprod(1),
  "cumprod axis 0 3-d with zeros": (x) => cumprod(x, 0),
  "logcumsumexp axis 1": (x) => x.logcumsumexp(1),
  "logcumsumexp large values": (x) => logcumsumexp(x, 0),
  "logcumsumexp axis 0 3-d": (x) => logcumsumexp(x, 0),
  "cummax axis 1": (x) => x.cummax(1),
  "cummax axis 0 3-d": (x) => cummax(x, 0),
  "cummin axis -1": (x) => cummin(x, -1),
  "any axis 1": (x) => any(x, 1),
  "all axis 0 keepDims": (x) => x.all(0, true),
  "any empty axis": (x) => x.any(1),
  "all empty axis": (x) => all(x, 1),
  "flip axes [0, 2]": (x) => flip(x, [0, 2]),
  "flip axis -1": (x) => x.flip(-1),
  "roll flattened": (x) => roll(x, 2),
  "roll two axes": (x) => x.roll([1, -2], [0, 1]),
  "roll past the length": (x) => roll(x, -7, 1),
  "roll empty": (x) => roll(x, 1, 0),
  tril: (x) => tril(x),
  "tril k 1 batched": (x) => x.tril(1),
  "tril k -1": (x) => tril(x, -1),
  "triu k -1": (x) => x.triu(-1),
  "triu k 2 batched": (x) => triu(x, 2),
  "diag vector": (x) => diag(x),
  "diag vector k -2": (x) => x.diag(-2),
  "diag matrix k 1": (x) => diag(x, 1),
  "diagonal 3-d offset -1 axes (2, 0)": (x) => x.diagonal(-1, 2, 0),
  "diagonal past the edge": (x) => diagonal(x, 5),
  "pad constant": (x) => pad(x, [1, 2], { value: 1.5 }),
  "pad constant crops": (x) => pad(x, [-1, 2, 1, -1]),
  "pad reflect": (x) => pad(x, [2, 1], { mode: "reflect" }),
  "pad reflect two axes": (x) => pad(x, [1, 1, 2, 0], { mode: "reflect" }),
  "pad reflect crops": (x) => pad(x, [2, -1], { mode: "reflect" }),
  "pad replicate": (x) => pad(x, [2, -1], { mode: "replicate" }),
  "pad replicate two axes": (x) => pad(x, [0, 2, 1, 1], { mode: "replicate" }),
  "pad circular": (x) => pad(x, [-1, 2], { mode: "circular" }),
  "pad circular whole length": (x) => pad(x, [3, 1], { mode: "circular" }),
  repeat: (x) => x.repeat([2, 1, 3]),
  "repeat zero times": (x) => repeat(x, [0, 2]),
  "tile short reps": (x) => tile(x, [2]),
  "tile long reps": (x) => x.tile([2, 1, 2]),
  "repeatInterleave axis 1": (x) => repeatInterleave(x, 2, 1),
  "repeatInterleave flattened": (x) => x.repeatInterleave(3),
  "repeatInterleave counts": (x) => repeatInterleave(x, tensor([1, 0, 2], { dtype: "int32" }), 0),
  "repeatInterleave one count broadcast": (x) =>
    repeatInterleave(x, tensor([2], { dtype: "int32" }), 1),
  "expand leading and middle axes": (x) => x.expand([2, 3, -1, 4]),
  "split by size": (x) => split(x, 2, 1),
  "split sections": (x) => x.split([1, 3], -1),
  chunk: (x) => chunk(x, 3, 0),
  "chunk fewer pieces": (x) => x.chunk(4),
  "unbind axis 1": (x) => unbind(x, 1),
  unflatten: (x) => x.unflatten(1, [2, -1]),
  movedim: (x) => x.movedim([0, 1], [2, 0]),
  expand: (x) => expand(x, [2, -1, 4]),
};

function outputsOf(result: Result): Tensor[] {
  if (Array.isArray(result)) return [...result];
  if ("indices" in result) return [result.values, result.indices];
  return [result as Tensor];
}

function expectTensor(actual: Tensor, expected: Encoded, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${label}: dtype`).toBe(
    expected.dtype === "float64" ? widestFloat : expected.dtype,
  );
  try {
    assertClose(actual, decode(expected), closeTo(1e-9, 1e-10));
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
}

describe(`values, gradients and second derivatives match PyTorch ${fixture.torch} (float64)`, () => {
  test("every fixture case has an op call here, and every call a case", () => {
    expect(Object.keys(ops).sort()).toEqual(fixture.cases.map((c) => c.name).sort());
  });

  for (const c of fixture.cases) {
    test(c.name, () => {
      const inputs = c.inputs.map((e) => decode(e, e.dtype === "float64"));
      const outputs = outputsOf(ops[c.name]!(inputs[0]!));
      expect(outputs.length, "number of outputs").toBe(c.outputs.length);
      outputs.forEach((y, i) => {
        expectTensor(y, c.outputs[i]!, `output ${i}`);
      });
      if (!c.grads || !c.upstream) {
        expect(outputs.some((y) => y.requiresGrad)).toBe(false);
        return;
      }
      const differentiable = outputs.filter((y) => y.requiresGrad);
      expect(differentiable.length).toBe(c.upstream.length);
      const total = differentiable
        .map((y, i) => sum(y.mul(decode(c.upstream![i]!))))
        .reduce((a, b) => a.add(b));
      const grads = gradients(total, inputs, undefined, { createGraph: true });
      grads.forEach((g, i) => {
        expectTensor(g, c.grads![i]!, `gradient ${i}`);
      });
      if (!c.second || !c.weights) return;
      const weighted = grads
        .map((g, i) => sum(g.mul(decode(c.weights![i]!))))
        .reduce((a, b) => a.add(b));
      gradients(weighted, inputs).forEach((s, i) => {
        expectTensor(s, c.second![i]!, `second derivative ${i}`);
      });
    });
  }
});

describe("gradients where the rules need care", () => {
  test("prod's gradient with a zero is the product of the others, exactly", () => {
    // d(x0·x1·x2)/dx1 at (2, 0, 3) is 2·3 = 6; the other two are 0.
    const x = tensor([2, 0, 3], { dtype: widestFloat, requiresGrad: true });
    prod(x).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 6, 0]);
  });

  test("cumprod's gradient past the first zero is 0, and at it sums the later products", () => {
    // out = [2, 0, 0, 0] from x = [2, 0, 3, 0]; with g = 1: dx0 = 1, dx1 = 2 + 2·3 + 2·3·0 = 8.
    const x = tensor([2, 0, 3, 0], { dtype: widestFloat, requiresGrad: true });
    cumprod(x, 0).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 8, 0, 0]);
  });

  test("the 2-norm and std have gradient 0 (not NaN) at zero", () => {
    const x = zeros([3], { dtype: widestFloat, requiresGrad: true });
    norm(x).add(std(x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0]);
  });

  test("logcumsumexp's gradient stays finite where exp would overflow", () => {
    const x = tensor([1000, 999, -1000], { dtype: widestFloat, requiresGrad: true });
    logcumsumexp(x, 0).sum().backward();
    expect(Array.from(x.grad!.data).every(Number.isFinite)).toBe(true);
  });
});

describe("dtypes", () => {
  test("integer and boolean sums and products are int32; any and all are bool", () => {
    const ints = tensor([1, 2, 3], { dtype: "int32" });
    expect(cumsum(ints, 0).dtype).toBe("int32");
    expect(cumprod(ints, 0).toArray()).toEqual([1, 2, 6]);
    expect(prod(ints).dtype).toBe("int32");
    expect(cumsum(tensor([1, 1, 0], { dtype: "bool" }), 0).toArray()).toEqual([1, 2, 2]);
    expect(any(ints).dtype).toBe("bool");
  });

  test("tril, triu, flip and pad keep integer and boolean dtypes", () => {
    const b = ones([2, 2], { dtype: "bool" });
    expect(tril(b).dtype).toBe("bool");
    expect(tril(b).toArray()).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(triu(arange(4).reshape([2, 2])).dtype).toBe("int32");
    expect(flip(arange(3), 0).toArray()).toEqual([2, 1, 0]);
    expect(pad(arange(2), [1, 0], { value: 7 }).toArray()).toEqual([7, 0, 1]);
  });

  test("cummax of int32 keeps int32 values", () => {
    const { values, indices } = cummax(tensor([1, 3, 2], { dtype: "int32" }), 0);
    expect(values.dtype).toBe("int32");
    expect(values.toArray()).toEqual([1, 3, 3]);
    expect(indices.toArray()).toEqual([0, 1, 1]);
  });
});

/** Runs `f`, expecting it to throw `type`; returns the error for its fields. */
function thrown<E extends Error>(f: () => unknown, type: new (...args: never[]) => E): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error("expected an error");
}

describe("errors name the op, the arguments and the shapes", () => {
  const x = zeros([2, 3]);

  test("axes out of range", () => {
    const e = thrown(() => cumsum(x, 2), AxisError);
    expect(e.op).toBe("cumsum");
    expect(e.message).toBe(
      "cumsum: axis out of range; got axis 2 for shape [2, 3] (rank 2: valid axes are -2..1)",
    );
    expect(thrown(() => prod(x, -3), AxisError).op).toBe("prod");
    expect(thrown(() => flip(x, [0, -2]), AxisError).problem).toBe("axis repeated");
    expect(thrown(() => cumsum(tensor(1), 1), AxisError).message).toMatch(/^cumsum: .*0-d/);
    expect(thrown(() => diagonal(x, 0, 1, -1), AxisError).message).toMatch(
      /^diagonal: axis1 and axis2 must differ/,
    );
    expect(thrown(() => movedim(x, [0, 0], [0, 1]), AxisError).problem).toBe(
      "axis repeated in source",
    );
  });

  test("var, std, norm and logcumsumexp need float tensors", () => {
    const ints = tensor([1, 2], { dtype: "int32" });
    for (const [op, f] of [
      ["var", () => variance(ints)],
      ["std", () => std(ints)],
      ["norm", () => norm(ints)],
      ["logcumsumexp", () => logcumsumexp(ints, 0)],
    ] as const) {
      const e = thrown(f, DTypeError);
      expect(e.op).toBe(op);
      expect(e.dtypes).toEqual({ x: "int32" });
    }
  });

  test("options are checked by name", () => {
    const e = thrown(() => variance(x, 0, { corection: 0 } as never), OptionError);
    expect(e.message).toMatch(/^var: unknown option "corection"/);
    expect(e.suggestion).toBe("correction");
    expect(thrown(() => std(x, 0, { keepdim: true } as never), OptionError).op).toBe("std");
    expect(thrown(() => pad(x, [1, 1], { mdoe: "reflect" } as never), OptionError).suggestion).toBe(
      "mode",
    );
  });

  test("norm orders and empty maxima", () => {
    expect(thrown(() => norm(x, "nuc" as never), ValueError).message).toMatch(/^norm: p must be/);
    expect(thrown(() => norm(zeros([0, 2]), Number.POSITIVE_INFINITY, 0), ValueError).message).toBe(
      "norm: cannot take the ∞-norm over an empty axis; got shape [0, 2]\nhint: the maximum of nothing is undefined; p = 2 or 1 give 0 there",
    );
  });

  test("pad", () => {
    const e = thrown(() => pad(x, [3, 0], { mode: "reflect" }), ShapeError);
    expect(e.message).toBe(
      "pad: reflect padding of 3 on axis 1 needs an axis longer than 3; got x [2, 3] (pads [3, 0]; after cropping, axis 1 has 3 elements)",
    );
    expect(thrown(() => pad(x, [1, 1, 1, 1, 1, 1]), ShapeError).detail).toBe(
      "6 entries for rank 2",
    );
    expect(thrown(() => pad(x, [-2, -2]), ShapeError).problem).toBe(
      "cropping axis 1 leaves a negative size",
    );
    expect(thrown(() => pad(x, [1, 1], { mode: "circular", value: 1 }), ValueError).op).toBe("pad");
    expect(
      thrown(() => pad(zeros([2, 0]), [0, 1], { mode: "replicate" }), ShapeError).problem,
    ).toBe("replicate padding of 1 on axis 1 needs a nonempty axis");
    expect(thrown(() => pad(x, [1, 1], { mode: "wrap" as never }), ValueError).message).toMatch(
      /^pad: unknown mode "wrap"/,
    );
  });

  test("shape ops", () => {
    expect(thrown(() => tril(zeros([3])), ShapeError).message).toBe(
      "tril: needs at least two dimensions; got x [3] (it masks the last two axes)",
    );
    expect(thrown(() => diag(zeros([2, 2, 2])), ShapeError).shapes).toEqual({ x: [2, 2, 2] });
    expect(thrown(() => repeat(x, [2]), ShapeError).message).toMatch(
      /^repeat: repeats must have an entry for every dimension; got x \[2, 3\] and repeats \[2\]/,
    );
    expect(thrown(() => split(x, [1, 1], 1), ShapeError).detail).toBe("they add up to 2, not 3");
    expect(thrown(() => split(x, 0, 1), ValueError).op).toBe("split");
    expect(thrown(() => chunk(x, 0), ValueError).op).toBe("chunk");
    expect(thrown(() => unflatten(x, 1, [2, -1]), ShapeError).message).toBe(
      "unflatten: sizes must multiply to the size of axis 1; got x [2, 3] and sizes [2, -1] (3 is not a multiple of 2)",
    );
    expect(thrown(() => expand(x, [4, 3]), ShapeError).message).toBe(
      "expand: axis 0 has size 2, which expands only to itself; got x [2, 3] and shape [4, 3] (asked for 4)",
    );
    expect(thrown(() => expand(x, [-1, 2, 3]), ShapeError).problem).toBe(
      "-1 cannot stand for the new leading axis 0",
    );
    expect(thrown(() => roll(x, [1, 2], [0]), ShapeError).detail).toBe("2 shifts and 1 axes");
    expect(thrown(() => roll(x, [1, 2]), ValueError).op).toBe("roll");
    expect(thrown(() => movedim(x, [0], [0, 1]), ShapeError).op).toBe("movedim");
  });

  test("repeatInterleave counts", () => {
    const counts = tensor([1, 2], { dtype: "int32" });
    expect(thrown(() => repeatInterleave(x, counts, 1), ShapeError).shapes).toEqual({
      x: [2, 3],
      repeats: [2],
    });
    expect(thrown(() => repeatInterleave(x, tensor([1, 2, 1]), 1), DTypeError).dtypes).toEqual({
      repeats: "float32",
    });
    expect(
      thrown(() => repeatInterleave(x, tensor([1, -1, 1], { dtype: "int32" }), 1), ValueError)
        .message,
    ).toBe("repeatInterleave: repeats must be non-negative; got [1, -1, 1]");
  });
});
