/** The tape and the generic backward pass: accumulation, release, deep graphs, modes. */
import {
  concat,
  enableGrad,
  GradientError,
  gradients,
  isGradEnabled,
  noGrad,
  ones,
  type Tensor,
  tensor,
  zeroGrad,
} from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";

describe("accumulation into leaves", () => {
  test("a tensor used twice gets the sum of both uses: d(x·x)/dx = 2x", () => {
    const x = tensor([3, -1], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([6, -2]);
  });

  test("a broadcast leaf receives its gradient summed back to its own shape", () => {
    const b = tensor([1, 2, 3], { requiresGrad: true });
    const x = tensor([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    x.mul(b).sum().backward();
    // Each b_j is used in both rows: ∂/∂b_j = Σ_i x_ij = 1 + 2
    expect(b.grad?.toArray()).toEqual([3, 3, 3]);
    expect(b.grad?.shape).toEqual([3]);
  });

  test("a second backward adds to .grad; zeroGrad clears it", () => {
    const x = tensor([2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad?.toArray()).toEqual([6]);
    zeroGrad([x]);
    expect(x.grad).toBeNull();
  });

  test("two leaves fed the same gradient own separate tensors", () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.add(b).sum().backward();
    expect(a.grad).not.toBe(b.grad);
  });

  test("leaves that do not require grad get none", () => {
    const c = tensor([1, 2]);
    const x = tensor([1, 1], { requiresGrad: true });
    x.mul(c).sum().backward();
    expect(c.grad).toBeNull();
    expect(x.grad?.toArray()).toEqual([1, 2]);
  });

  test("intermediates keep no .grad: their gradients live only during the pass", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    expect(h.grad).toBeNull();
  });
});

describe("retaining and releasing the graph", () => {
  test("backward twice with retainGraph adds the leaf gradients exactly twice", () => {
    const x = tensor([0.5, -1.5], { dtype: "float64", requiresGrad: true });
    const w = tensor([2, 3], { dtype: "float64", requiresGrad: true });
    const loss = x.mul(w).tanh().sum();
    loss.backward(undefined, { retainGraph: true });
    const once = { x: x.grad!.toArray() as number[], w: w.grad!.toArray() as number[] };
    loss.backward(undefined, { retainGraph: true });
    assertClose(
      x.grad!,
      once.x.map((v) => 2 * v),
      { atol: 0, rtol: 1e-15 },
    );
    assertClose(
      w.grad!,
      once.w.map((v) => 2 * v),
      { atol: 0, rtol: 1e-15 },
    );
    // And the graph itself still computes the same thing a third time.
    loss.backward();
    assertClose(
      x.grad!,
      once.x.map((v) => 3 * v),
      { atol: 0, rtol: 1e-15 },
    );
  });

  test("backward through a released graph is an error that says how to fix it", () => {
    const x = tensor([1], { requiresGrad: true });
    const loss = x.exp().sum();
    loss.backward();
    expect(() => loss.backward()).toThrowError(GradientError);
    expect(() => loss.backward()).toThrowError(/second time.*\n.*retainGraph/s);
  });

  test("released nodes are marked so, and saved state is dropped", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.exp();
    const loss = y.sum();
    loss.backward();
    expect(y.node?.released).toBe(true);
    expect(y.node?.vjp).toBeNull();
  });
});

describe("seeds and misuse", () => {
  test("a non-scalar output needs an explicit upstream gradient", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrowError(/scalar output; got shape \[2\]/);
    y.backward(tensor([1, 10]));
    expect(x.grad?.toArray()).toEqual([2, 20]);
  });

  test("an upstream gradient of the wrong shape is a ShapeError naming both", () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward(tensor([1, 2, 3]))).toThrowError(/output \[2\] and grad \[3\]/);
  });

  test("backward on a tensor that requires no grad says why", () => {
    const e = (() => {
      try {
        tensor([1]).exp().sum().backward();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(GradientError);
    expect((e as GradientError).hint).toMatch(/requiresGrad: true/);
  });
});

describe("deep graphs", () => {
  test("a chain of 100 000 ops backpropagates without overflowing the stack", () => {
    const x = tensor([1], { dtype: "float64", requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
    y.sum().backward();
    expect(x.grad?.item()).toBe(1);
    expect(y.item()).toBeCloseTo(2, 8);
  });
});

describe("recording modes", () => {
  test("noGrad records nothing and restores the mode, even on a throw", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(noGrad(() => enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
  });

  test("detach cuts the graph but shares the data", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.data).toBe(y.data);
    d.mul(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([2, 4]);
  });

  test("requiresGrad can be set on leaves only", () => {
    const x = tensor([1]);
    x.requiresGrad = true;
    expect(x.requiresGrad).toBe(true);
    const y = x.mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrowError(GradientError);
    expect(() => {
      tensor([1], { dtype: "int32" }).requiresGrad = true;
    }).toThrowError(/only float tensors can require grad/);
  });

  test("gradients() returns gradients of intermediates and leaves .grad alone", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const y = h.square().sum();
    const [dh, dx] = gradients(y, [h, x]);
    expect(dh?.toArray()).toEqual([6, 12]); // 2h
    expect(dx?.toArray()).toEqual([18, 36]); // 2h·3
    expect(x.grad).toBeNull();
  });

  test("gradients() gives zeros for inputs the output does not depend on", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = ones([3], { requiresGrad: true });
    const [, du] = gradients(x.sum(), [x, unused]);
    expect(du?.toArray()).toEqual([0, 0, 0]);
  });
});

test("with createGraph, leaves sharing one gradient tensor both keep it on the tape", () => {
  const a = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const b = tensor([3, 4], { dtype: "float64", requiresGrad: true });
  const c = tensor([5, 6], { dtype: "float64", requiresGrad: true });
  a.add(b).mul(c).sum().backward(undefined, { createGraph: true });
  // ∂/∂a = ∂/∂b = c, so ∂(Σ ∂/∂a + Σ ∂/∂b)/∂c = 2.
  const ga = a.grad!;
  const gb = b.grad!;
  expect(ga.requiresGrad && gb.requiresGrad).toBe(true);
  c.zeroGrad();
  ga.sum().add(gb.sum()).backward();
  expect(c.grad?.toArray()).toEqual([2, 2]);
});

describe("gradients of slices, placed together", () => {
  // The same graph's gradients with the backward pass recorded (createGraph), where each slice's
  // rule returns its zero-padded tensor and the engine adds those, as the reference.
  const viaPaddedSums = (x: Tensor, loss: (x: Tensor) => Tensor) =>
    gradients(loss(x), [x], undefined, { createGraph: true })[0]!.detach();

  const data = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1));

  test("the pieces of a split, each used, give each piece's gradient in its own columns", () => {
    const x = tensor(data(2 * 3 * 12), { shape: [2, 3, 12], requiresGrad: true });
    const loss = (t: Tensor) => {
      const [q, k, v] = t.split(4, -1) as [Tensor, Tensor, Tensor];
      return q.mul(k).add(v.mul(v)).sum();
    };
    const [grad] = gradients(loss(x), [x]);
    expect(grad!.toArray()).toEqual(viaPaddedSums(x, loss).toArray());
    // q·k + v²: ∂/∂q = k, ∂/∂k = q, ∂/∂v = 2v.
    const [q, k, v] = x.detach().split(4, -1) as [Tensor, Tensor, Tensor];
    assertClose(grad!, concat([k, q, v.mul(2)], -1));
  });

  test("overlapping slices add where they overlap", () => {
    const x = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    x.slice([0], [3])
      .mul(2)
      .sum()
      .add(x.slice([1], [5]).mul(3).sum())
      .backward();
    expect(x.grad!.toArray()).toEqual([2, 5, 5, 3, 3]);
  });

  test("strided slices: interleaved ones are placed, same-residue ones added", () => {
    const x = tensor(data(10), { requiresGrad: true });
    const loss = (t: Tensor) =>
      t
        .slice([0], undefined, [2])
        .mul(2)
        .sum()
        .add(t.slice([1], undefined, [2]).mul(3).sum())
        .add(t.slice([2], [9], [2]).mul(5).sum());
    const [grad] = gradients(loss(x), [x]);
    expect(grad!.toArray()).toEqual([2, 3, 7, 3, 7, 3, 7, 3, 7, 3]);
    expect(grad!.toArray()).toEqual(viaPaddedSums(x, loss).toArray());
  });

  test("slices and whole uses of one tensor sum to the same bits as padded gradients", () => {
    const x = tensor(data(4 * 6), { shape: [4, 6], requiresGrad: true });
    const loss = (t: Tensor) => {
      const [a, b, c] = t.chunk(3, 1) as [Tensor, Tensor, Tensor];
      return a
        .exp()
        .sum()
        .add(t.mul(t).sum())
        .add(b.mul(c).sum())
        .add(t.slice([1, 2]).tanh().sum());
    };
    const [grad] = gradients(loss(x), [x]);
    expect(grad!.toArray()).toEqual(viaPaddedSums(x, loss).toArray());
  });

  test("overlapping slices beside whole uses sum in the order the gradients arrive", () => {
    const x = tensor(data(7), { requiresGrad: true });
    const slices = (t: Tensor) =>
      t
        .slice([0], [5])
        .exp()
        .sum()
        .add(t.slice([2], [7]).sin().sum());
    const losses = [
      (t: Tensor) => t.mul(t).sum().add(slices(t)),
      (t: Tensor) => slices(t).add(t.mul(t).sum()),
      (t: Tensor) =>
        slices(t)
          .add(t.tanh().sum())
          .add(
            t
              .slice([1], [6])
              .mul(t.slice([0], [5]))
              .sum(),
          ),
    ];
    for (const loss of losses) {
      const [grad] = gradients(loss(x), [x]);
      expect(grad!.toArray()).toEqual(viaPaddedSums(x, loss).toArray());
    }
  });

  test("a leaf sliced into pieces gets one .grad, and a second backward adds to it", () => {
    const w = tensor(data(8), { shape: [2, 4], requiresGrad: true });
    const run = () => {
      const [top, bottom] = w.unbind(0) as [Tensor, Tensor];
      top.mul(bottom).sum().backward();
    };
    run();
    const once = w.grad!.toArray();
    run();
    expect(w.grad!.toArray()).toEqual((once as number[][]).map((r) => r.map((v) => 2 * v)));
  });

  test("only a slice of a tensor used: zeros outside it", () => {
    const x = tensor(data(6), { shape: [2, 3], requiresGrad: true });
    x.slice([0, 1], [1, 3]).mul(4).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 4, 4],
      [0, 0, 0],
    ]);
  });
});
