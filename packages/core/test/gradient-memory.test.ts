/**
 * The backward pass gives the arrays of dead gradients back for reuse (autograd/gradient-memory.ts,
 * host-memory.ts). Checked here: gradients come out bit for bit as without recycling through
 * graphs that share gradients in every way the engine knows (one gradient sent to two inputs,
 * views, region gradients, broadcast fits, sums of several paths, leaves used twice, targets of
 * `gradients()`, a second pass over a retained graph); with every given-back array poisoned
 * with NaN, nothing that outlives the pass (a leaf's grad, a returned gradient, what a user's
 * rule kept) is ever given back; and given-back arrays are handed out again, zeroed.
 */
import {
  defineOp,
  Generator,
  gradients,
  layerNorm,
  matmul,
  scaledDotProductAttention,
  slice,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import { allocate } from "../src/dtype.js";
import { recycledBytesNow, recyclingTesting } from "../src/host-memory.js";

afterEach(() => {
  recyclingTesting.enabled = true;
  recyclingTesting.poison = process.env.TENSORTAPE_POISON_RECYCLED === "1";
});

function uniform(shape: number[], seed: number, requiresGrad = true): Tensor {
  const generator = new Generator(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = 2 * generator.uniform() - 1;
  return tensor(data, { shape, requiresGrad });
}

/**
 * A loss over leaves `w` [64, 64] and `x` [32, 64] (arrays of 8 KB and more, recycled at any
 * size under poison) whose gradients meet every way of sharing one.
 */
function tangled(w: Tensor, x: Tensor): Tensor {
  const h = matmul(x, w).tanh(); // [32, 64]
  const twice = h.add(h); // one gradient sent to both inputs
  const flat = twice.reshape([32 * 64]).reshape([32, 64]); // views of the gradient
  const top = slice(flat, [0], [16]); // region gradients
  const bottom = slice(flat, [16], [32]);
  const mixed = top.mul(bottom).add(w.sum(0)); // a broadcast fit (sumTo) into w
  const again = matmul(mixed, w, { transB: true }); // w used twice: its gradients summed
  return again
    .mul(slice(x, [0], [16]))
    .sum()
    .add(h.square().mean());
}

/** Gradients of `tangled` for w and x, as arrays. */
function gradientsOf(recycle: boolean): [Float32Array, Float32Array] {
  recyclingTesting.enabled = recycle;
  const w = uniform([64, 64], 1);
  const x = uniform([32, 64], 2);
  tangled(w, x).backward();
  return [Float32Array.from(w.grad!.data), Float32Array.from(x.grad!.data)];
}

describe("recycled gradient memory", () => {
  test("gives the same gradients bit for bit as without recycling", () => {
    const [w0, x0] = gradientsOf(false);
    recyclingTesting.poison = true;
    const [w1, x1] = gradientsOf(true);
    expect(w1).toEqual(w0);
    expect(x1).toEqual(x0);
    expect(w1.some(Number.isNaN)).toBe(false);
  });

  test("never gives back a leaf's grad, a gradient returned by gradients(), or what a retained graph needs", () => {
    recyclingTesting.poison = true;
    const w = uniform([64, 64], 3);
    const x = uniform([32, 64], 4);
    const loss = tangled(w, x);
    const h = matmul(x, w);
    const [dh, dw] = gradients(h.tanh().sum(), [h, w]);
    const first = Float32Array.from(dh!.data);
    loss.backward(undefined, { retainGraph: true });
    const wGrad = Float32Array.from(w.grad!.data);
    // More passes give back more arrays of the same sizes: none may be the ones kept above.
    loss.backward();
    for (let i = 0; i < 4; i++) tangled(uniform([64, 64], 5), uniform([32, 64], 6)).backward();
    expect(Float32Array.from(dh!.data)).toEqual(first);
    expect(dh!.data.some(Number.isNaN)).toBe(false);
    expect(dw!.data.some(Number.isNaN)).toBe(false);
    // The second pass over the retained graph added the same gradient again.
    expect(Float32Array.from(w.grad!.data)).toEqual(wGrad.map((v) => Math.fround(v + v)));
  });

  test("never gives back a leaf's grad that is also another tensor's gradient", () => {
    for (const leafFirst of [true, false]) {
      const run = (recycle: boolean) => {
        recyclingTesting.enabled = recycle;
        recyclingTesting.poison = recycle;
        const x = uniform([64, 64], 15);
        const t = uniform([64, 64], 18).mul(2).tanh();
        // add sends one gradient to both inputs: x's grad and t's upstream gradient, which
        // tanh's rule consumes after x has taken it (t.add(x)) or before.
        const y = leafFirst ? x.add(t) : t.add(x);
        y.square().sum().backward();
        for (let i = 0; i < 2; i++)
          tangled(uniform([64, 64], 16), uniform([32, 64], 17)).backward();
        return Float32Array.from(x.grad!.data);
      };
      expect(run(true), `leaf first: ${leafFirst}`).toEqual(run(false));
    }
  });

  test("never gives back what a user's rule saw: its upstream gradient or what it returned", () => {
    recyclingTesting.poison = true;
    const seen: Tensor[] = [];
    const passThrough = defineOp({
      name: "passThrough",
      forward: ([a]) => a!.mul(1),
      backward: (g) => {
        seen.push(g);
        const out = g.mul(2);
        seen.push(out);
        return [out];
      },
    });
    const w = uniform([64, 64], 7);
    const x = uniform([32, 64], 8);
    passThrough(matmul(x, w).tanh()).mul(3).sum().backward();
    const kept = seen.map((t) => Float32Array.from(t.data));
    for (let i = 0; i < 4; i++) tangled(uniform([64, 64], 9), uniform([32, 64], 10)).backward();
    for (const [i, t] of seen.entries()) expect(Float32Array.from(t.data)).toEqual(kept[i]);
    expect(kept[0]!.every((v) => v === 3)).toBe(true);
  });

  test("hands given-back arrays out again, zeroed, for arrays of their dtype and length", () => {
    recyclingTesting.poison = false;
    const before = recycledBytesNow();
    const w = uniform([256, 256], 11);
    const x = uniform([128, 256], 12);
    matmul(x, w).relu().matmul(w).relu().sum().backward();
    expect(recycledBytesNow()).toBeGreaterThan(before);
    // [128, 256] gradients were given back: the next such array is one of them, zeroed.
    const kept = recycledBytesNow();
    const array = allocate("float32", 128 * 256);
    expect(recycledBytesNow()).toBe(kept - 128 * 256 * 4);
    expect(array.every((v) => v === 0)).toBe(true);
  });

  test("is off while the backward pass is itself recorded", () => {
    recyclingTesting.poison = true;
    const w = uniform([64, 64], 13);
    const x = uniform([32, 64], 14);
    const [dw] = gradients(tangled(w, x), [w], undefined, { createGraph: true });
    const second = dw!.square().sum();
    second.backward();
    expect(w.grad!.data.some(Number.isNaN)).toBe(false);
    recyclingTesting.enabled = false;
    recyclingTesting.poison = false;
    const w2 = uniform([64, 64], 13);
    const x2 = uniform([32, 64], 14);
    const [dw2] = gradients(tangled(w2, x2), [w2], undefined, { createGraph: true });
    dw2!.square().sum().backward();
    expect(Float32Array.from(w.grad!.data)).toEqual(Float32Array.from(w2.grad!.data));
  });
});

describe("an op's scratch", () => {
  /**
   * A user's op y = x·s with s = 2 + x² made in its forward and saved as scratch (its rule
   * reads s: dy/dx = s + 2x², so g·(s + 2x²)); `returnScratch` makes a rule that breaks the
   * contract by returning s itself (times 1) as the gradient.
   */
  function scaledOp(made: Tensor[], returnScratch = false) {
    return defineOp<{ s: Tensor }>({
      name: "scaled",
      forward: ([x]) => {
        const s = x!.square().add(2);
        made.push(s);
        return { output: x!.mul(s), saved: { s }, scratch: [s] };
      },
      backward: (g, { inputs: [x], saved: { s } }) =>
        returnScratch ? [s] : [g.mul(s.add(x!.square().mul(2)))],
    });
  }

  test("is given back once its rule has run, and the gradients are those without recycling", () => {
    const run = (recycle: boolean) => {
      recyclingTesting.enabled = recycle;
      recyclingTesting.poison = recycle;
      const made: Tensor[] = [];
      const x = uniform([32, 64], 20);
      // On the leaf: its rule runs last, so nothing takes the scratch's array again.
      scaledOp(made)(x).tanh().sum().backward();
      return { grad: Float32Array.from(x.grad!.data), scratch: made[0]!.data };
    };
    const plain = run(false);
    const recycled = run(true);
    expect(recycled.grad).toEqual(plain.grad);
    expect(plain.scratch.some(Number.isNaN)).toBe(false);
    // Poisoned as it was given back.
    expect(recycled.scratch.every(Number.isNaN)).toBe(true);
  });

  test("is kept while the graph is retained or the backward pass recorded", () => {
    recyclingTesting.poison = true;
    const made: Tensor[] = [];
    const x = uniform([32, 64], 21);
    const loss = scaledOp(made)(x).sum();
    loss.backward(undefined, { retainGraph: true });
    const once = Float32Array.from(x.grad!.data);
    expect(made[0]!.data.some(Number.isNaN)).toBe(false);
    // Without a grad to add to, the last pass makes no array that could take the scratch's.
    x.grad = null;
    loss.backward();
    expect(Float32Array.from(x.grad!.data)).toEqual(once);
    expect(made[0]!.data.every(Number.isNaN)).toBe(true);

    const y = uniform([32, 64], 22);
    const [dy] = gradients(scaledOp(made)(y).sum(), [y], undefined, { createGraph: true });
    expect(made[1]!.data.some(Number.isNaN)).toBe(false);
    expect(dy!.data.some(Number.isNaN)).toBe(false);
  });

  test("is never given back when the rule returned it", () => {
    recyclingTesting.poison = true;
    const made: Tensor[] = [];
    const x = uniform([32, 64], 23);
    scaledOp(made, true)(x).sum().backward();
    for (let i = 0; i < 4; i++) tangled(uniform([64, 64], 24), uniform([32, 64], 25)).backward();
    expect(x.grad!.data.some(Number.isNaN)).toBe(false);
    expect(Float32Array.from(x.grad!.data)).toEqual(Float32Array.from(made[0]!.data));
  });

  test("of layer norm and attention is given back, with the same gradients", () => {
    const run = (recycle: boolean) => {
      recyclingTesting.enabled = recycle;
      recyclingTesting.poison = recycle;
      const x = uniform([2, 16, 4, 32], 26);
      const w = uniform([32], 27);
      const h = layerNorm(x, [32], w);
      const out = scaledDotProductAttention(h, h.tanh(), h.sigmoid(), { isCausal: true });
      const before = recycledBytesNow();
      out.square().sum().backward();
      return {
        grads: [Float32Array.from(x.grad!.data), Float32Array.from(w.grad!.data)],
        given: recycledBytesNow() - before,
      };
    };
    const plain = run(false);
    const recycled = run(true);
    expect(recycled.grads).toEqual(plain.grads);
    expect(recycled.grads[0]!.some(Number.isNaN)).toBe(false);
    expect(plain.given).toBe(0);
    expect(recycled.given).toBeGreaterThan(0);
  });
});
