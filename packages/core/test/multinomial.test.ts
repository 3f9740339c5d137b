/**
 * multinomial: the distribution of its draws (chi-square tests with fixed seeds and a
 * generous bound), with and without replacement, determinism under a seed, and the typed
 * errors PyTorch's torch.multinomial raises.
 */
import {
  DTypeError,
  Generator,
  manualSeed,
  multinomial,
  OptionError,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

/** Pearson's statistic Σ (observed − expected)² / expected over the cells with expected > 0. */
function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((s, o, i) => {
    const e = expected[i]!;
    return e > 0 ? s + (o - e) ** 2 / e : s;
  }, 0);
}

/** How often each of `c` categories occurs in `t`. */
function counts(t: Tensor, c: number): number[] {
  const out = new Array<number>(c).fill(0);
  for (const i of t.data) out[i]! += 1;
  return out;
}

// The 99.999th percentiles of chi-square with 3, 4 and 5 degrees of freedom are 25.9, 28.5
// and 30.9: a correct sampler fails these bounds once in 100 000 seeds, a wrong one always.
describe("draws follow the probabilities", () => {
  test("with replacement, unnormalised probabilities, a category of probability 0", () => {
    const n = 20_000;
    const draws = multinomial(tensor([1, 2, 3, 4, 0]), n, {
      replacement: true,
      generator: new Generator(1),
    });
    expect(draws.dtype).toBe("int32");
    expect(draws.shape).toEqual([n]);
    const observed = counts(draws, 5);
    expect(observed[4]).toBe(0);
    expect(
      chiSquare(
        observed,
        [0.1, 0.2, 0.3, 0.4, 0].map((p) => p * n),
      ),
    ).toBeLessThan(28.5);
  });

  test("each row of a 2-d input has its own distribution", () => {
    const n = 10_000;
    const probs = tensor([
      [0.7, 0.1, 0.1, 0.1],
      [0, 0, 5, 5],
    ]);
    const draws = multinomial(probs, n, { replacement: true, generator: new Generator(2) });
    expect(draws.shape).toEqual([2, n]);
    const row0 = counts(tensor(Array.from(draws.data.slice(0, n)), { dtype: "int32" }), 4);
    const row1 = counts(tensor(Array.from(draws.data.slice(n)), { dtype: "int32" }), 4);
    expect(
      chiSquare(
        row0,
        [0.7, 0.1, 0.1, 0.1].map((p) => p * n),
      ),
    ).toBeLessThan(25.9);
    expect(row1[0]! + row1[1]!).toBe(0);
    expect(chiSquare(row1, [0, 0, n / 2, n / 2])).toBeLessThan(19.5); // 1 dof: 99.999% is 19.5
  });

  test("without replacement: ordered pairs follow p_i·p_j / (1 − p_i)", () => {
    const rows = 12_000;
    const p = [0.5, 0.3, 0.2];
    const probs = tensor(Array.from({ length: rows }, () => p));
    const draws = multinomial(probs, 2, { generator: new Generator(3) });
    expect(draws.shape).toEqual([rows, 2]);
    const observed = new Array<number>(9).fill(0);
    for (let r = 0; r < rows; r++) {
      const [i, j] = [draws.data[2 * r]!, draws.data[2 * r + 1]!];
      expect(i).not.toBe(j);
      observed[3 * i + j]! += 1;
    }
    const expected = observed.map((_, cell) => {
      const [i, j] = [Math.floor(cell / 3), cell % 3];
      return i === j ? 0 : (rows * p[i]! * p[j]!) / (1 - p[i]!);
    });
    expect(chiSquare(observed, expected)).toBeLessThan(30.9);
  });

  test("without replacement, every category drawn once: a permutation of each row", () => {
    const draws = multinomial(tensor([[1, 2, 3, 4, 5]]), 5, { generator: new Generator(4) });
    expect(Array.from(draws.data).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  test("without replacement, too few non-zero categories: the zero ones come last, by index", () => {
    // PyTorch: torch.multinomial(tensor([0., 1., 2., 0.]), 3) gives 1 and 2 first, then 0.
    for (let seed = 0; seed < 20; seed++) {
      const draws = Array.from(
        multinomial(tensor([0, 1, 2, 0]), 4, { generator: new Generator(seed) }).data,
      );
      expect(draws.slice(0, 2).sort()).toEqual([1, 2]);
      expect(draws.slice(2)).toEqual([0, 3]);
    }
  });

  test("float64 probabilities and float32 ones draw the same", () => {
    const p = [0.25, 0.5, 0.25];
    const a = multinomial(tensor(p, { dtype: "float64" }), 50, {
      replacement: true,
      generator: new Generator(5),
    });
    const b = multinomial(tensor(p), 50, { replacement: true, generator: new Generator(5) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe("determinism", () => {
  test("the same generator seed gives the same draws; another seed other draws", () => {
    const probs = tensor([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
    ]);
    for (const replacement of [true, false]) {
      const draw = (seed: number) =>
        Array.from(multinomial(probs, 3, { replacement, generator: new Generator(seed) }).data);
      expect(draw(7)).toEqual(draw(7));
      expect(draw(7)).not.toEqual(draw(8));
    }
  });

  test("without a generator, manualSeed makes the draws repeat; the method form agrees", () => {
    const probs = tensor([0.1, 0.2, 0.3, 0.4]);
    manualSeed(42);
    const a = Array.from(multinomial(probs, 8, { replacement: true }).data);
    manualSeed(42);
    const b = Array.from(probs.multinomial(8, { replacement: true }).data);
    expect(a).toEqual(b);
  });

  test("no rows: an empty result", () => {
    expect(multinomial(zeros([0, 3]), 2).shape).toEqual([0, 2]);
  });
});

describe("typed errors, as torch.multinomial raises them", () => {
  test("negative, infinite or NaN probabilities", () => {
    for (const bad of [-1, Infinity, Number.NaN]) {
      expect(() =>
        multinomial(
          tensor([
            [1, 1],
            [bad, 1],
          ]),
          1,
        ),
      ).toThrow(
        "multinomial: the probabilities of every row must be finite and non-negative; got inf, NaN or an element < 0",
      );
    }
  });

  test("a row whose probabilities sum to 0", () => {
    expect(() =>
      multinomial(
        tensor([
          [1, 2],
          [0, 0],
        ]),
        1,
      ),
    ).toThrow(ValueError);
    expect(() =>
      multinomial(
        tensor([
          [1, 2],
          [0, 0],
        ]),
        1,
      ),
    ).toThrow(
      /every row's probabilities must have a positive sum; got a row that sums to 0 in probs \[2, 2\]/,
    );
  });

  test("more samples than categories without replacement", () => {
    expect(() => multinomial(tensor([1, 2, 3]), 4)).toThrow(
      "multinomial: cannot draw numSamples = 4 of 3 categories without replacement",
    );
    expect(multinomial(tensor([1, 2, 3]), 4, { replacement: true }).shape).toEqual([4]);
  });

  test("numSamples, rank, dtype and options", () => {
    expect(() => multinomial(tensor([1, 2]), 0)).toThrow(/numSamples must be a positive integer/);
    expect(() => multinomial(tensor([1, 2]), 1.5)).toThrow(ValueError);
    expect(() => multinomial(zeros([2, 2, 2]), 1)).toThrow(ShapeError);
    expect(() => multinomial(tensor(1), 1)).toThrow(/probs must be 1-d \[C\] or 2-d \[N, C\]/);
    expect(() => multinomial(tensor([1, 2], { dtype: "int32" }), 1)).toThrow(DTypeError);
    expect(() =>
      multinomial(tensor([1, 2]), 1, { replace: true } as unknown as { replacement: boolean }),
    ).toThrow(OptionError);
  });
});
