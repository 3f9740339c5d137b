/**
 * Sorting, selection and indexing ops against PyTorch 2.13 in float64 (fixtures/
 * ops-sort-index.json, written by ops-sort-index.py): values, indices and gradients, with
 * ties, NaN, empty and negative-axis inputs; then hand-derived cases and the typed errors.
 * The webgpu-ops project runs this file again on the GPU, in float32 (on-device.ts); second
 * derivatives, which need float64, are in ops-sort-index-float64.test.ts.
 */
import {
  AxisError,
  argsort,
  DTypeError,
  indexSelect,
  kthvalue,
  maskedFill,
  maskedSelect,
  median,
  nonzero,
  OptionError,
  oneHot,
  ShapeError,
  scatter,
  scatterReduce,
  searchsorted,
  sort,
  type Tensor,
  tensor,
  topk,
  unique,
  ValueError,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import fixture from "./fixtures/ops-sort-index.json" with { type: "json" };
import { onGpu, widestFloat } from "./on-device.js";

type Json = number | string | Json[];
interface Case {
  readonly kinds: readonly ("float" | "int" | "bool")[];
  readonly inputs: readonly Json[];
  readonly inputShapes: readonly number[][];
  readonly outputs: readonly Json[];
  readonly shapes: readonly number[][];
  readonly upstream?: Json;
  readonly grads?: readonly Json[];
}

const decode = (v: string | number) =>
  v === "nan" ? Number.NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);
const flat = (v: Json): number[] =>
  Array.isArray(v) ? v.flatMap(flat) : [decode(v as string | number)];

const i32 = (values: number[], shape = [values.length]) =>
  tensor(values, { dtype: "int32", shape });
const mask = (values: number[], shape = [values.length]) =>
  tensor(values, { dtype: "bool", shape });

/** tensortape's counterpart of each PyTorch case: the op's outputs, first the differentiable one. */
const ops: Record<string, (...xs: Tensor[]) => Tensor[]> = {
  "sort last axis": (x) => Object.values(sort(x!)),
  "sort ties and NaN": (x) => Object.values(sort(x!, -1, { stable: true })),
  "sort descending ties and NaN": (x) => Object.values(sort(x!, -1, { descending: true })),
  "sort axis 0": (x) => Object.values(sort(x!, 0)),
  "sort 3-d axis -2 descending": (x) => Object.values(sort(x!, -2, { descending: true })),
  "sort -0 and 0": (x) => Object.values(sort(x!)),
  "sort empty": (x) => Object.values(sort(x!, 0)),
  "sort 0-d": (x) => Object.values(sort(x!)),
  "argsort descending": (x) => [argsort(x!, 1, { descending: true, stable: true })],
  "topk 2": (x) => Object.values(topk(x!, 2)),
  "topk smallest axis 0": (x) => Object.values(topk(x!, 2, 0, { largest: false })),
  "topk NaN first": (x) => Object.values(topk(x!, 2)),
  "topk k = 0": (x) => Object.values(topk(x!, 0)),
  "kthvalue 2": (x) => Object.values(kthvalue(x!, 2)),
  "kthvalue axis 0 keepdim": (x) => Object.values(kthvalue(x!, 3, 0, true)),
  "kthvalue NaN is largest": (x) => Object.values(kthvalue(x!, 3)),
  "median all": (x) => [median(x!)],
  "median all, ties": (x) => [median(x!)],
  "median all, NaN": (x) => [median(x!)],
  "median axis 1": (x) => Object.values(median(x!, 1)),
  "median axis 0 keepdim": (x) => Object.values(median(x!, 0, true)),
  "median axis with NaN": (x) => Object.values(median(x!, 1)),
  "unique flattened": (x) => {
    const u = unique(x!, { returnInverse: true, returnCounts: true });
    return [u.values, u.inverse!, u.counts!];
  },
  "unique axis 0": (x) => {
    const u = unique(x!, { axis: 0, returnInverse: true, returnCounts: true });
    return [u.values, u.inverse!, u.counts!];
  },
  "unique axis 1": (x) => {
    const u = unique(x!, { axis: 1, returnInverse: true, returnCounts: true });
    return [u.values, u.inverse!, u.counts!];
  },
  "searchsorted left": (s, v) => [searchsorted(s!, v!)],
  "searchsorted right": (s, v) => [searchsorted(s!, v!, { right: true })],
  "searchsorted 1-d sequence": (s, v) => [searchsorted(s!, v!, { side: "right" })],
  "indexSelect axis 1, repeats": (x, i) => [indexSelect(x!, 1, i!)],
  "indexSelect axis -2": (x, i) => [indexSelect(x!, -2, i!)],
  "maskedFill tensor value": (x, v, m) => [maskedFill(x!, m!, v!)],
  "maskedFill broadcast mask": (x, m) => [x!.maskedFill(m!, -1)],
  "maskedSelect broadcast": (x, m) => [maskedSelect(x!, m!)],
  nonzero: (x) => [nonzero(x!)],
  "scatter tensor src": (x, s, i) => [scatter(x!, 1, i!, s!)],
  "scatter number": (x, i) => [x!.scatter(0, i!, 7)],
  "scatter larger src": (x, s, i) => [scatter(x!, 0, i!, s!.detach())],
  oneHot: (i) => [oneHot(i!)],
  "oneHot numClasses": (i) => [oneHot(i!, 4)],
  "scatterReduce amax ties": (x, s, i) => [scatterReduce(x!, 0, i!, s!, "amax")],
  "scatterReduce prod with zeros": (x, s, i) => [scatterReduce(x!, 0, i!, s!, "prod")],
  "index int and slice": (x) => [x!.index(1, "0:3:2")],
  "index new axis and ellipsis": (x) => [x!.index(null, "...", { start: 1 })],
  "index int tensors, repeats": (x, i, j) => [x!.index(i!, ":", j!)],
  "index adjacent int tensors": (x, i, j) => [x!.index(":", i!, j!)],
  "index int then tensors": (x, i, j) => [x!.index(1, i!, j!)],
  "index bool mask": (x, m) => [x!.index(m!)],
  "index mask on the last axis": (x, m) => [x!.index("...", m!)],
  "index 0-d mask": (x, m) => [x!.index(m!)],
};
for (const reduce of ["sum", "prod", "mean", "amax", "amin"] as const) {
  for (const includeSelf of [true, false]) {
    ops[`scatterReduce ${reduce} includeSelf ${includeSelf ? "True" : "False"}`] = (x, s, i) => [
      x!.scatterReduce(1, i!, s!, reduce, { includeSelf }),
    ];
  }
}

const cases = fixture.cases as unknown as Record<string, Case>;

/** Within float64's tolerance on the CPU, float32's on the GPU (relative to max(1, |e|)). */
const tolerance = onGpu ? 2e-6 : 1e-12;

/** Equal within `tolerance` (relative), NaN matching NaN. */
function expectClose(actual: Tensor, shape: readonly number[], expected: Json, label: string) {
  expect(actual.shape, `${label} shape`).toEqual(shape);
  const want = flat(expected);
  const got = Array.from(actual.data);
  expect(got.length, label).toBe(want.length);
  got.forEach((a, k) => {
    const e = want[k]!;
    if (Number.isNaN(e)) expect(a, `${label}[${k}]`).toBeNaN();
    else
      expect(Math.abs(a - e), `${label}[${k}]: ${a} vs ${e}`).toBeLessThanOrEqual(
        tolerance * Math.max(1, Math.abs(e)),
      );
  });
}

describe("against PyTorch (float64)", () => {
  test("every fixture case has a counterpart", () => {
    expect(Object.keys(cases).filter((name) => !(name in ops))).toEqual([]);
  });
  for (const [name, c] of Object.entries(cases)) {
    test(name, () => {
      const inputs = c.inputs.map((v, k) => {
        const kind = c.kinds[k]!;
        const dtype = kind === "float" ? widestFloat : kind === "int" ? "int32" : "bool";
        const t = tensor(flat(v), { dtype, shape: c.inputShapes[k]! });
        return kind === "float" ? t.requireGrad() : t;
      });
      const outputs = ops[name]!(...inputs);
      expect(outputs.length, "number of outputs").toBe(c.outputs.length);
      for (const [k, o] of outputs.entries()) {
        expectClose(o, c.shapes[k]!, c.outputs[k]!, `${name} output ${k}`);
      }
      // Indices come back as int32, as every index in tensortape.
      for (const o of outputs.slice(1)) expect(o.dtype).toBe("int32");
      if (c.upstream === undefined) {
        expect(outputs[0]!.requiresGrad, "carries no gradient").toBe(false);
        return;
      }
      const floats = inputs.filter((t) => t.requiresGrad);
      const y = outputs[0]!;
      y.backward(tensor(flat(c.upstream), { dtype: widestFloat, shape: y.shape }));
      floats.forEach((t, k) => {
        const grad = t.grad ?? t.zerosLike();
        expectClose(grad, t.shape, c.grads![k]!, `${name} gradient of float input ${k}`);
      });
    });
  }
});

describe("hand-derived values", () => {
  test("topk and kthvalue take the earliest of equal elements", () => {
    // PyTorch leaves the choice among ties unspecified; tensortape's sort is stable.
    const x = tensor([1, 3, 3, 2, 3, 1]);
    expect(topk(x, 2).indices.toArray()).toEqual([1, 2]);
    expect(kthvalue(x, 2).indices.item()).toBe(5);
    expect(kthvalue(x, 4).indices.item()).toBe(1);
  });

  test("median of an even count is the lower middle; empty gives NaN", () => {
    expect(median(tensor([4, 1, 3, 2])).item()).toBe(2);
    expect(median(tensor([], { shape: [0] })).item()).toBeNaN();
  });

  test("scatter: the last of repeated indices wins; oneHot of an empty index with a count", () => {
    expect(scatter(tensor([0, 0]), 0, i32([1, 1, 0]), tensor([5, 6, 7])).toArray()).toEqual([7, 6]);
    expect(oneHot(i32([], [0, 2]), 3).shape).toEqual([0, 2, 3]);
  });

  test("scatterReduce amax without self: an excluded x equal to the result takes no share", () => {
    // out[0] = max(src[0], src[1]) = 3 has one maximiser, so d out[0]/d src[0] = 1 exactly.
    // PyTorch 2.13 also counts the excluded x[0] = 3 and gives 0.5 (see docs/ops.md).
    const x = tensor([3, 0], { dtype: widestFloat }).requireGrad();
    const src = tensor([3, 1], { dtype: widestFloat }).requireGrad();
    const out = scatterReduce(x, 0, i32([0, 0]), src, "amax", { includeSelf: false });
    expect(out.toArray()).toEqual([3, 0]);
    out.sum().backward();
    expect(src.grad!.toArray()).toEqual([1, 0]);
    expect(x.grad!.toArray()).toEqual([0, 1]);
  });

  test("index: ranges as objects and strings, negative integers, a step", () => {
    const x = tensor([0, 1, 2, 3, 4, 5, 6]);
    expect(x.index("1:6:2").toArray()).toEqual([1, 3, 5]);
    expect(x.index({ start: -3 }).toArray()).toEqual([4, 5, 6]);
    expect(x.index(":").toArray()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(x.index(-1).item()).toBe(6);
    expect(x.index(i32([-1, 0, -7])).toArray()).toEqual([6, 0, 0]);
  });
});

describe("typed errors name the op, the arguments and the shapes", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  /**
   * A bad index in a tensor: on the CPU the call throws, naming the element; on the GPU the
   * check stays on the device and the next read throws, naming the op and the range.
   */
  const badIndex = (run: () => Tensor, cpu: string, gpu: string) => {
    if (onGpu)
      expect(() => run().data).toThrow(`${gpu} (found on the device, reported at this read)`);
    else expect(run).toThrow(cpu);
  };

  test("indices out of range say which index, which axis and what range", () => {
    badIndex(
      () => indexSelect(x, 1, i32([0, 3])),
      "indexSelect: index 3 at position 1 of the index is out of range for axis 1 of size 3 (valid 0..2); got x [2, 3]",
      "indexSelect: an index is out of range for axis 1 of size 3 (valid 0..2); got x [2, 3]",
    );
    expect(() => x.index(2)).toThrow(
      "index: index 2 is out of range for axis 0 of size 2 (valid -2..1); got x [2, 3]",
    );
    badIndex(
      () => x.index(":", i32([1, -4])),
      "index: index -4 at position 1 of the index is out of range for axis 1 of size 3 (valid -3..2); got x [2, 3]",
      "index: an index is out of range for axis 1 of size 3 (valid -3..2); got x [2, 3]",
    );
    badIndex(
      () => scatter(x, 1, i32([5, 0, 0, 0], [2, 2]), 0),
      "scatter: index 5 at position 0",
      "scatter: an index is out of range for axis 1 of size 3 (valid 0..2); got x [2, 3]",
    );
    expect(() => oneHot(i32([0, 4]), 3)).toThrow(
      "oneHot: class values must be smaller than numClasses 3; got 4 at position 1 of index [2]",
    );
    expect(() => oneHot(i32([-1]))).toThrow("oneHot: class values must be non-negative");
  });

  test("negative steps are rejected, as PyTorch does", () => {
    expect(() => x.index("::-1")).toThrow(
      "index: step must be greater than zero; got -1 for item 0",
    );
    expect(() => x.index({ step: 0 })).toThrow(ValueError);
    expect(() => x.index("1:x")).toThrow(ValueError);
  });

  test("shapes, dtypes, axes and options", () => {
    expect(() => x.index(0, 0, 0)).toThrow(
      "index: too many indices; got x [2, 3] (3 axes indexed, but x has 2)",
    );
    expect(() => x.index(mask([1, 0, 1]))).toThrow(ShapeError);
    expect(() => x.index(tensor([0]))).toThrow(DTypeError);
    expect(() => x.index("...", "...")).toThrow(ValueError);
    expect(() => sort(x, 2)).toThrow(AxisError);
    expect(() => topk(x, 4)).toThrow(
      "topk: k must be an integer in [0, 3] for axis 1 of size 3; got k = 4 for x [2, 3]",
    );
    expect(() => kthvalue(x, 0, 0)).toThrow(ValueError);
    expect(() => median(tensor([], { shape: [2, 0] }), 1)).toThrow(
      "median: cannot take the median along an empty axis; got axis 1 of x [2, 0]",
    );
    expect(() => sort(x, -1, { descnding: true } as never)).toThrow(OptionError);
    expect(() => maskedFill(x, tensor([1, 0, 1]), 0)).toThrow(DTypeError);
    expect(() => maskedFill(x, mask([1, 0]), 0)).toThrow(
      "maskedFill: mask must broadcast to x's shape; got x [2, 3] and mask [2]",
    );
    expect(() => maskedFill(x, mask([1, 0, 1]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => scatter(x, 0, i32([0, 1, 0, 1], [1, 4]), 0)).toThrow(ShapeError);
    expect(() => scatterReduce(x, 0, i32([0], [1, 1]), x, "max" as never)).toThrow(
      'scatterReduce: reduce must be one of "sum", "prod", "mean", "amax", "amin"; got "max"',
    );
    expect(() => searchsorted(tensor([[1, 2]]), tensor([[1], [2]]))).toThrow(ShapeError);
    expect(() => searchsorted(tensor([1, 2]), 1, { side: "right", right: false })).toThrow(
      ValueError,
    );
  });
});
