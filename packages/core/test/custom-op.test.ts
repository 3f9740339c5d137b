import {
  BackwardRuleError,
  defineOp,
  grad,
  gradients,
  graphOf,
  scatterAdd,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { assertClose, gradcheck, randomTensor } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

// softplus(x) = log(1 + e^x), computed on the raw typed array (stable for large |x|).
const softplus = defineOp({
  name: "softplus",
  forward: ([x]) => {
    const src = x!.data;
    const out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      out[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return tensor(out, { shape: x!.shape, dtype: x!.dtype });
  },
  // d softplus(x) = g · σ(x)
  backward: (g, { inputs: [x] }) => [g.mul(x!.sigmoid())],
});

// swish(x) = x·σ(x), composed from existing ops.
const swish = defineOp({
  name: "swish",
  forward: ([x]) => x!.mul(x!.sigmoid()),
  // d swish(x) = g · (σ + x·σ·(1 − σ)) = g · (σ + out·(1 − σ))
  backward: (g, { inputs: [x], output }) => {
    const s = x!.sigmoid();
    return [g.mul(s.add(output.mul(s.neg().add(1))))];
  },
});

describe("defineOp: forward on raw typed arrays", () => {
  test("computes hand-derived values and gradients", () => {
    const x = tensor([0, Math.log(3)], { requiresGrad: true });
    const y = softplus(x);
    // softplus(0) = log 2; softplus(log 3) = log(1 + 3) = log 4.
    assertClose(y, [Math.log(2), Math.log(4)], { atol: 1e-6 });
    expect(y.dtype).toBe("float32");
    y.sum().backward();
    // σ(0) = 1/2; σ(log 3) = 3/4.
    assertClose(x.grad!, [0.5, 0.75], { atol: 1e-6 });
  });

  test("records one node named after the op, with its tensor inputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = softplus(x);
    expect(y.node?.op).toBe("softplus");
    expect(y.node?.inputs).toEqual([x]);
    expect(graphOf(y).map((e) => e.op)).toEqual([null, "softplus"]);
  });

  test("does not record when no input requires grad", () => {
    const y = softplus(tensor([1, 2]));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
  });

  test("matches float64 finite differences", () => {
    gradcheck((x) => softplus(x), [randomTensor([3, 4], { seed: 1, low: -4, high: 4 })]);
  });
});

describe("defineOp: forward composed of ops", () => {
  test("is one node on the tape: the forward's own ops are not recorded", () => {
    const x = tensor([0, 2], { requiresGrad: true });
    const y = swish(x);
    expect(graphOf(y).map((e) => e.op)).toEqual([null, "swish"]);
    // swish(0) = 0; swish(2) = 2σ(2).
    const s2 = 1 / (1 + Math.exp(-2));
    assertClose(y, [0, 2 * s2], { atol: 1e-6 });
    y.sum().backward();
    // swish'(0) = σ(0) = 1/2; swish'(2) = σ(2) + 2σ(2)(1 − σ(2)).
    assertClose(x.grad!, [0.5, s2 + 2 * s2 * (1 - s2)], { atol: 1e-6 });
  });

  test("matches float64 finite differences", () => {
    gradcheck((x) => swish(x), [randomTensor([5], { seed: 2 })]);
  });
});

describe("defineOp: numbers", () => {
  // hypot(a, b) = √(a² + b²)
  const hypot = defineOp({
    name: "hypot",
    forward: ([a, b]) => a!.square().add(b!.square()).sqrt(),
    // d hypot/da = a / out; d hypot/db = b / out
    backward: (g, { inputs: [a, b], output }) => [g.mul(a!).div(output), g.mul(b!).div(output)],
  });

  test("accepts plain numbers, which become float32 scalars", () => {
    const y = hypot(3, 4);
    expect(y.dtype).toBe("float32");
    expect(y.item()).toBe(5);
  });

  test("a number takes the dtype of the tensor beside it and gets no gradient", () => {
    const a = tensor([3, 5], { dtype: "float64", requiresGrad: true });
    const y = hypot(a, 4);
    expect(y.dtype).toBe("float64");
    expect(y.node?.inputs[1]?.dtype).toBe("float64");
    expect(y.node?.inputs[1]?.requiresGrad).toBe(false);
    y.sum().backward();
    // ∂/∂a = a / √(a² + 16): 3/5 and 5/√41.
    assertClose(a.grad!, [3 / 5, 5 / Math.sqrt(41)], { atol: 1e-12 });
  });
});

describe("defineOp: broadcasting", () => {
  // sqdiff(a, b) = (a − b)², written as if a and b had one shape.
  const sqdiff = defineOp({
    name: "sqdiff",
    broadcast: true,
    forward: ([a, b]) => a!.sub(b!).square(),
    // d/da = 2(a − b)·g; d/db = −2(a − b)·g: both of the broadcast shape.
    backward: (g, { inputs: [a, b] }) => {
      const d = a!.sub(b!).mul(2).mul(g);
      return [d, d.neg()];
    },
  });

  test("the engine sums broadcast-shaped gradients back to each input's shape", () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const b = tensor([1, 1, 2], { requiresGrad: true });
    const y = sqdiff(a, b);
    expect(y.shape).toEqual([2, 3]);
    y.sum().backward();
    // a − b = [[0, 1, 1], [3, 4, 4]]; ∂/∂a = 2(a − b).
    expect(a.grad?.toArray()).toEqual([
      [0, 2, 2],
      [6, 8, 8],
    ]);
    // ∂/∂b sums −2(a − b) over the rows: −2·[0 + 3, 1 + 4, 1 + 4].
    expect(b.grad?.toArray()).toEqual([-6, -10, -10]);
  });

  test("matches float64 finite differences with broadcasting on both sides", () => {
    gradcheck(
      (a, b) => sqdiff(a, b),
      [randomTensor([4, 1, 3], { seed: 3 }), randomTensor([2, 1], { seed: 4 })],
    );
  });
});

describe("defineOp: saved values", () => {
  test("what the forward saves reaches the backward unchanged", () => {
    const seen: unknown[] = [];
    // normalize(x) = x / ‖x‖, saving the norm as a number.
    const normalize = defineOp<{ norm: number }>({
      name: "normalize",
      forward: ([x]) => {
        let s = 0;
        for (const v of x!.data) s += v * v;
        const norm = Math.sqrt(s);
        return { output: x!.div(norm), saved: { norm } };
      },
      // d(x/‖x‖) = (g − out·⟨g, out⟩) / ‖x‖
      backward: (g, { output, saved }) => {
        seen.push(saved);
        return [g.sub(output.mul(g.mul(output).sum())).div(saved.norm)];
      },
    });
    const x = tensor([3, 4], { dtype: "float64", requiresGrad: true });
    const y = normalize(x);
    assertClose(y, [0.6, 0.8], { atol: 1e-15 });
    y.backward(tensor([1, 0], { dtype: "float64" }));
    expect(seen).toEqual([{ norm: 5 }]);
    // (e₀ − out·0.6) / 5 = ([1, 0] − [0.36, 0.48]) / 5
    assertClose(x.grad!, [0.64 / 5, -0.48 / 5], { atol: 1e-15 });
    gradcheck((t) => normalize(t), [randomTensor([6], { seed: 5 })]);
  });

  test("the backward sees the op's inputs and its output", () => {
    let ctxInputs: readonly Tensor[] = [];
    let ctxOutput: Tensor | undefined;
    const twice = defineOp({
      name: "twice",
      forward: ([x]) => x!.mul(2),
      backward: (g, { inputs, output }) => {
        ctxInputs = inputs;
        ctxOutput = output;
        return [g.mul(2)];
      },
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = twice(x);
    y.sum().backward();
    expect(ctxInputs).toEqual([x]);
    expect(ctxOutput).toBe(y);
  });
});

describe("defineOp: null gradients", () => {
  // scaleBy(x, s) = x·s, treating s as a constant.
  const scaleBy = defineOp({
    name: "scaleBy",
    forward: ([x, s]) => x!.mul(s!),
    backward: (g, { inputs: [, s] }) => [g.mul(s!), null],
  });

  test("an input whose gradient is null receives none", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const s = tensor([3, 5], { requiresGrad: true });
    scaleBy(x, s).sum().backward();
    expect(x.grad?.toArray()).toEqual([3, 5]);
    expect(s.grad).toBeNull();
  });

  test("gradients() gives zeros for it", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const s = tensor([3, 5], { requiresGrad: true });
    const [gx, gs] = gradients(scaleBy(x, s).sum(), [x, s]);
    expect(gx?.toArray()).toEqual([3, 5]);
    expect(gs?.toArray()).toEqual([0, 0]);
  });

  test("an int32 input passes through and needs no gradient", () => {
    // pick(x, i) = x[i], a gather along the only axis with a hand-written scatter backward.
    const pick = defineOp({
      name: "pick",
      forward: ([x, index]) => x!.gather(0, index!),
      backward: (g, { inputs: [x, index] }) => [scatterAdd(g, 0, index!, x!.shape), null],
    });
    const x = tensor([10, 20, 30], { requiresGrad: true });
    const index = tensor([2, 0, 2], { dtype: "int32" });
    const y = pick(x, index);
    expect(y.toArray()).toEqual([30, 10, 30]);
    y.backward(tensor([1, 2, 4]));
    expect(x.grad?.toArray()).toEqual([2, 0, 5]);
  });
});

describe("defineOp: a wrong backward rule is named", () => {
  function ruleError(run: () => void): BackwardRuleError {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(BackwardRuleError);
      return e as BackwardRuleError;
    }
    throw new Error("expected a BackwardRuleError");
  }

  test("the wrong number of gradients", () => {
    const badCount = defineOp({
      name: "badCount",
      forward: ([x]) => x!.mul(2),
      backward: (g) => [g.mul(2), g],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const e = ruleError(() => badCount(x).sum().backward());
    expect(e.op).toBe("badCount");
    expect(e.inputIndex).toBeUndefined();
    expect(e.message).toBe("badCount: backward rule: returned 2 gradients for 1 inputs");
  });

  test("a gradient of the wrong shape", () => {
    const badShape = defineOp({
      name: "badShape",
      forward: ([a, b]) => a!.mul(b!),
      // The gradient for b is summed to a scalar: wrong for b of shape [2, 3].
      backward: (g, { inputs: [a, b] }) => [g.mul(b!), g.mul(a!).sum()],
    });
    const a = tensor([[1, 2, 3]], { requiresGrad: true }).broadcastTo([2, 3]);
    const b = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const e = ruleError(() => badShape(a, b).sum().backward());
    expect(e.op).toBe("badShape");
    expect(e.inputIndex).toBe(1);
    expect(e.message).toBe(
      "badShape: backward rule (input 1): returned a gradient of shape [] for an input of shape [2, 3]",
    );
  });

  test("a broadcast-shaped gradient from an op that does not broadcast", () => {
    const noBroadcast = defineOp({
      name: "noBroadcast",
      forward: ([x]) => x!.mul(2),
      backward: (g) => [g.mul(2).broadcastTo([4, 2])],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const e = ruleError(() => noBroadcast(x).sum().backward());
    expect(e.inputIndex).toBe(0);
    expect(e.message).toBe(
      "noBroadcast: backward rule (input 0): returned a gradient of shape [4, 2] for an input of shape [2]",
    );
  });

  test("a gradient that does not broadcast to its input, from an op that does", () => {
    const badBroadcast = defineOp({
      name: "badBroadcast",
      broadcast: true,
      forward: ([a, b]) => a!.add(b!),
      backward: (g) => [g, g.sum(0)],
    });
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const b = tensor([[1], [2]], { requiresGrad: true });
    const e = ruleError(() => badBroadcast(a, b).sum().backward());
    expect(e.inputIndex).toBe(1);
    expect(e.message).toBe(
      "badBroadcast: backward rule (input 1): returned a gradient of shape [3] for an input of shape [2, 1]",
    );
  });

  test("a gradient of the wrong dtype", () => {
    const badDtype = defineOp({
      name: "badDtype",
      forward: ([x]) => x!.mul(2),
      backward: (g) => [g.mul(2).cast("float32")],
    });
    const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const e = ruleError(() => badDtype(x).sum().backward());
    expect(e.op).toBe("badDtype");
    expect(e.inputIndex).toBe(0);
    expect(e.message).toBe(
      "badDtype: backward rule (input 0): returned a float32 gradient for a float64 input",
    );
  });
});

describe("defineOp: in larger graphs", () => {
  test("one op used twice in one graph accumulates both paths", () => {
    const x = tensor([0, 1], { dtype: "float64", requiresGrad: true });
    // y = softplus(softplus(x)) + softplus(x)
    const inner = softplus(x);
    const y = softplus(inner).add(inner);
    expect(graphOf(y).filter((e) => e.op === "softplus")).toHaveLength(2);
    y.sum().backward();
    // dy/dx = σ(softplus(x))·σ(x) + σ(x)
    const sigma = (v: number) => 1 / (1 + Math.exp(-v));
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const expected = [0, 1].map((v) => sigma(sp(v)) * sigma(v) + sigma(v));
    assertClose(x.grad!, expected, { atol: 1e-12 });
    gradcheck((t) => softplus(softplus(t)).add(softplus(t)), [randomTensor([4], { seed: 6 })]);
  });

  test("an op whose backward is written with ops can be differentiated again", () => {
    // cube(x) = x³ on the raw array; d cube = g·3x², written with ops.
    const cube = defineOp({
      name: "cube",
      forward: ([x]) => {
        const out = new Float64Array(x!.size);
        x!.data.forEach((v, i) => {
          out[i] = v * v * v;
        });
        return tensor(out, { shape: x!.shape, dtype: x!.dtype });
      },
      backward: (g, { inputs: [x] }) => [g.mul(x!.square()).mul(3)],
    });
    const f = (x: Tensor) => cube(x).sum();
    const x = tensor([-1, 0.5, 2], { dtype: "float64" });
    expect(grad(f)(x).toArray()).toEqual([3, 0.75, 12]);
    // The second derivative of x³ is 6x; summed so that the outer grad has a scalar.
    expect(grad((t: Tensor) => grad(f)(t).sum())(x).toArray()).toEqual([-6, 3, 12]);
    // A single-element x nests without the sum: d³/dx³ x³ = 6.
    expect(grad(grad(grad(f)))(tensor([0.7], { dtype: "float64" })).toArray()).toEqual([6]);
  });
});
