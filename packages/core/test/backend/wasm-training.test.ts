import {
  add,
  gather,
  getBackend,
  logSoftmax,
  matmul,
  mean,
  neg,
  relu,
  setBackend,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { maxAbsDiff, randomTensor } from "@tensortape/core/testing";
import { afterEach, expect, test } from "vitest";

const initial = getBackend();
afterEach(() => setBackend(initial));

/** Gradients of a float32 MLP loss, using transposed and batched products, on one backend. */
function gradients(backend: string): Tensor[] {
  setBackend(backend);
  const options = { dtype: "float32" as const, requiresGrad: true };
  const w1 = randomTensor([37, 19], { ...options, seed: 1, low: -0.5, high: 0.5 });
  const b1 = randomTensor([19], { ...options, seed: 2 });
  const w2t = randomTensor([5, 19], { ...options, seed: 3 }); // stored transposed
  const batched = randomTensor([3, 19, 19], { ...options, seed: 4, low: -0.3, high: 0.3 });
  const x = randomTensor([3, 23, 37], { dtype: "float32", seed: 5, low: 0, high: 1 });
  const labels = tensor(
    Array.from({ length: 69 }, (_, i) => (i * 7) % 5),
    { shape: [3, 23, 1], dtype: "int32" },
  );
  const h = relu(add(matmul(x, w1), b1)); // [3, 23, 19]
  const mixed = matmul(h, batched, { transB: true }); // a batch of products
  const logits = matmul(mixed, w2t, { transB: true }); // [3, 23, 5]
  neg(mean(gather(logSoftmax(logits, -1), -1, labels))).backward();
  return [w1, b1, w2t, batched].map((p) => p.grad!);
}

test("a float32 network's gradients agree on the wasm and reference backends", () => {
  const fast = gradients("wasm");
  const reference = gradients("reference");
  for (let i = 0; i < fast.length; i++) {
    expect(fast[i]!.shape).toEqual(reference[i]!.shape);
    // float32 products summed in a different order: agreement to a few ulps of the scale.
    expect(maxAbsDiff(fast[i]!, reference[i]!)).toBeLessThan(1e-6);
    expect(maxAbsDiff(fast[i]!, reference[i]!.mul(0))).toBeGreaterThan(1e-4);
  }
});
