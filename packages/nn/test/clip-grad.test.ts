import { tensor, ValueError } from "@tensortape/core";
import { clipGradNorm, clipGradValue } from "@tensortape/nn";
import { describe, expect, test } from "vitest";

/** Two parameters whose gradients are [3, 4] and [12]: joint 2-norm 13, ∞-norm 12, 1-norm 19. */
function withGrads() {
  const a = tensor([0, 0], { requiresGrad: true, dtype: "float64" });
  const b = tensor([0], { requiresGrad: true, dtype: "float64" });
  a.grad = tensor([3, 4], { dtype: "float64" });
  b.grad = tensor([12], { dtype: "float64" });
  return [a, b] as const;
}

describe("clipGradNorm", () => {
  test("scales all gradients by maxNorm / (norm + 1e-6) and returns the norm before", () => {
    const [a, b] = withGrads();
    const oldGrad = a.grad!;
    expect(clipGradNorm([a, b], 6.5)).toBe(13);
    const k = 6.5 / (13 + 1e-6);
    expect(Array.from(a.grad!.data)).toEqual([3 * k, 4 * k]);
    expect(Array.from(b.grad!.data)).toEqual([12 * k]);
    // The old gradient tensor was replaced, not modified (it may be shared).
    expect(a.grad).not.toBe(oldGrad);
    expect(Array.from(oldGrad.data)).toEqual([3, 4]);
  });

  test("leaves gradients alone when the norm is within maxNorm", () => {
    const [a, b] = withGrads();
    const grad = a.grad;
    expect(clipGradNorm([a, b], 20)).toBe(13);
    expect(a.grad).toBe(grad);
  });

  test("other norms: ∞ (the largest |g|) and 1", () => {
    expect(clipGradNorm(withGrads(), 100, { normType: Number.POSITIVE_INFINITY })).toBe(12);
    expect(clipGradNorm(withGrads(), 100, { normType: 1 })).toBe(19);
  });

  test("parameters without gradients are ignored", () => {
    const [a, b] = withGrads();
    const c = tensor([1], { requiresGrad: true });
    expect(clipGradNorm([a, b, c], 100)).toBe(13);
    expect(c.grad).toBeNull();
  });

  test("a non-finite norm throws when asked to", () => {
    const [a, b] = withGrads();
    b.grad = tensor([Number.NaN], { dtype: "float64" });
    expect(Number.isNaN(clipGradNorm([a, b], 1))).toBe(true);
    expect(() => clipGradNorm([a, b], 1, { errorIfNonfinite: true })).toThrow(
      "clipGradNorm: the total norm of the gradients is NaN, so they cannot be clipped",
    );
    expect(() => clipGradNorm([a], -1)).toThrow(ValueError);
  });
});

describe("clipGradValue", () => {
  test("clamps every element into [−v, v], replacing each gradient", () => {
    const [a, b] = withGrads();
    a.grad = tensor([-7, 0.5], { dtype: "float64" });
    const old = a.grad;
    clipGradValue([a, b], 2);
    expect(Array.from(a.grad!.data)).toEqual([-2, 0.5]);
    expect(Array.from(b.grad!.data)).toEqual([2]);
    expect(Array.from(old.data)).toEqual([-7, 0.5]);
    expect(() => clipGradValue([a], -1)).toThrow(
      "clipGradValue: clipValue must be non-negative; got -1",
    );
  });
});
