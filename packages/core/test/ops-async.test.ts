/**
 * The async forms of the ops whose output shape depends on their data (`nonzeroAsync`,
 * `uniqueAsync`, `maskedSelectAsync`, `oneHotAsync`, `repeatInterleaveAsync`, `indexAsync`):
 * on CPU tensors they give the sync op's values, record the same graph (so the same
 * gradients), reject with the sync op's typed errors instead of throwing, and record as grad
 * mode was at the call. webgpu/ops-async.test.ts runs them on a GPU whose thread may not block.
 */
import {
  BlockingReadError,
  DTypeError,
  gradients,
  index,
  indexAsync,
  maskedSelect,
  maskedSelectAsync,
  nonzero,
  nonzeroAsync,
  oneHot,
  oneHotAsync,
  repeatInterleave,
  repeatInterleaveAsync,
  ShapeError,
  setGradEnabled,
  type Tensor,
  tensor,
  unique,
  uniqueAsync,
  ValueError,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

const bools = (values: number[][] | number[]) => tensor(values, { dtype: "bool" });
const ints = (values: number[][] | number[]) => tensor(values, { dtype: "int32" });

/** Shape, dtype and values of `got` equal to `want`'s. */
function expectSameTensor(got: Tensor, want: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(got.toArray()).toEqual(want.toArray());
}

/** x: [2, 3] requiring grad, with distinct values so a misplaced gradient shows. */
const leaf = () =>
  tensor(
    [
      [1, -2, 3],
      [-4, 5, -6],
    ],
    { requiresGrad: true },
  );

/** A non-uniform upstream gradient 1, 2, 3, … for an output of `shape`. */
const upstream = (...shape: number[]) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: size }, (_, k) => k + 1),
    { shape },
  );
};

describe("nonzeroAsync", () => {
  test("gives nonzero's coordinates", async () => {
    const x = tensor([
      [0, 3, 0],
      [4, 0, Number.NaN],
    ]);
    const got = await nonzeroAsync(x);
    expect(got.dtype).toBe("int32");
    // (0, 1) is 3, (1, 0) is 4, (1, 2) is NaN, which counts as nonzero.
    expect(got.toArray()).toEqual([
      [0, 1],
      [1, 0],
      [1, 2],
    ]);
    expectSameTensor(got, nonzero(x));
  });

  test("empty, all-zero and 0-d inputs", async () => {
    expectSameTensor(await nonzeroAsync(tensor([0, 0, 0])), nonzero(tensor([0, 0, 0])));
    expect((await nonzeroAsync(tensor([0, 0, 0]))).shape).toEqual([0, 1]);
    expect((await nonzeroAsync(tensor(5))).shape).toEqual([1, 0]);
    expect((await nonzeroAsync(tensor([], { shape: [2, 0] }))).shape).toEqual([0, 2]);
  });
});

describe("maskedSelectAsync", () => {
  test("values and gradient equal maskedSelect's", async () => {
    const mask = bools([1, 0, 1]); // broadcast over both rows
    const x = leaf();
    const got = await maskedSelectAsync(x, mask);
    expect(got.toArray()).toEqual([1, 3, -4, -6]);
    const y = leaf();
    const want = maskedSelect(y, mask);
    expectSameTensor(got, want);
    const g = upstream(4);
    const [gx] = gradients(got, [x], g);
    const [gy] = gradients(want, [y], g);
    // g = [1, 2, 3, 4] goes back to the selected positions, zeros elsewhere.
    expect(gx!.toArray()).toEqual([
      [1, 0, 2],
      [3, 0, 4],
    ]);
    expectSameTensor(gx!, gy!);
  });

  test("rejects with maskedSelect's typed errors", async () => {
    await expect(maskedSelectAsync(leaf(), tensor([1, 0, 1]))).rejects.toBeInstanceOf(DTypeError);
    await expect(maskedSelectAsync(leaf(), bools([1, 0]))).rejects.toBeInstanceOf(ShapeError);
  });
});

describe("oneHotAsync", () => {
  test("infers the number of classes as oneHot does", async () => {
    const i = ints([0, 2, 1]);
    const got = await oneHotAsync(i);
    expect(got.toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expectSameTensor(got, oneHot(i));
    expectSameTensor(await oneHotAsync(i, 4), oneHot(i, 4));
  });

  test("rejects with oneHot's errors", async () => {
    await expect(oneHotAsync(ints([0, -1]))).rejects.toThrow(
      "oneHot: class values must be non-negative; got -1 at position 1 of index [2]",
    );
    await expect(oneHotAsync(ints([0, 3]), 3)).rejects.toThrow(
      "oneHot: class values must be smaller than numClasses 3; got 3 at position 1 of index [2]",
    );
    await expect(oneHotAsync(ints([]))).rejects.toBeInstanceOf(ValueError);
    await expect(oneHotAsync(tensor([1]))).rejects.toBeInstanceOf(DTypeError);
  });
});

describe("uniqueAsync", () => {
  test("values, inverse and counts equal unique's", async () => {
    const x = tensor([3, 1, 3, Number.NaN, 2, 1]);
    const options = { returnInverse: true, returnCounts: true };
    const got = await uniqueAsync(x, options);
    const want = unique(x, options);
    // Sorted ascending; NaN is never equal to itself, so it is one value of its own, last.
    expect(got.values.toArray()).toEqual([1, 2, 3, Number.NaN]);
    expect(got.inverse!.toArray()).toEqual([2, 0, 2, 3, 1, 0]);
    expect(got.counts!.toArray()).toEqual([2, 1, 2, 1]);
    expectSameTensor(got.values, want.values);
    expectSameTensor(got.inverse!, want.inverse!);
    expectSameTensor(got.counts!, want.counts!);
  });

  test("unique slices along an axis, and empty input", async () => {
    const x = ints([
      [1, 0, 1],
      [2, 5, 2],
    ]);
    const got = await uniqueAsync(x, { axis: 1, returnCounts: true });
    // Columns (1, 2), (0, 5), (1, 2): two distinct, (0, 5) first.
    expect(got.values.toArray()).toEqual([
      [0, 1],
      [5, 2],
    ]);
    expect(got.counts!.toArray()).toEqual([1, 2]);
    expectSameTensor(got.values, unique(x, { axis: 1 }).values);
    const none = await uniqueAsync(tensor([]), { returnCounts: true });
    expect(none.values.shape).toEqual([0]);
    expect(none.counts!.shape).toEqual([0]);
  });

  test("rejects with unique's errors", async () => {
    await expect(uniqueAsync(tensor(1), { axis: 0 })).rejects.toThrow("unique:");
    await expect(
      uniqueAsync(tensor([1]), { returnCount: true } as unknown as object),
    ).rejects.toThrow('did you mean "returnCounts"');
  });
});

describe("repeatInterleaveAsync", () => {
  test("tensor counts: values and gradient equal repeatInterleave's", async () => {
    const repeats = ints([2, 0, 1]);
    const x = leaf();
    const got = await repeatInterleaveAsync(x, repeats, 1);
    expect(got.toArray()).toEqual([
      [1, 1, 3],
      [-4, -4, -6],
    ]);
    const y = leaf();
    const want = repeatInterleave(y, repeats, 1);
    expectSameTensor(got, want);
    const g = upstream(2, 3);
    const [gx] = gradients(got, [x], g);
    const [gy] = gradients(want, [y], g);
    // Each element's copies add back: (1 + 2, none, 3) and (4 + 5, none, 6).
    expect(gx!.toArray()).toEqual([
      [3, 0, 3],
      [9, 0, 6],
    ]);
    expectSameTensor(gx!, gy!);
  });

  test("a number of repeats, and one count for every element of the flattened tensor", async () => {
    const x = tensor([1, 2]);
    expect((await repeatInterleaveAsync(x, 2)).toArray()).toEqual([1, 1, 2, 2]);
    const flat = await repeatInterleaveAsync(tensor([[1, 2]]), ints([3]));
    expect(flat.toArray()).toEqual([1, 1, 1, 2, 2, 2]);
  });

  test("rejects with repeatInterleave's errors", async () => {
    await expect(repeatInterleaveAsync(tensor([1, 2]), ints([1, -1]))).rejects.toThrow(
      "repeatInterleave: repeats must be non-negative; got [1, -1]",
    );
    await expect(repeatInterleaveAsync(tensor([1, 2]), tensor([1, 1]))).rejects.toBeInstanceOf(
      DTypeError,
    );
  });
});

describe("indexAsync", () => {
  test("a bool mask: values and gradient equal index's", async () => {
    const mask = bools([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    const x = leaf();
    const got = await indexAsync(x, mask);
    expect(got.toArray()).toEqual([1, 5, -6]);
    const y = leaf();
    const want = index(y, mask);
    expectSameTensor(got, want);
    const g = upstream(3);
    const [gx] = gradients(got, [x], g);
    const [gy] = gradients(want, [y], g);
    expect(gx!.toArray()).toEqual([
      [1, 0, 0],
      [0, 2, 3],
    ]);
    expectSameTensor(gx!, gy!);
  });

  test("masks beside other items, a 0-d mask, and no mask at all", async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const rows = bools([0, 1]);
    const columns = bools([1, 0, 1]);
    // Two masks are two advanced indices, paired as int tensors [1] and [0, 2] broadcast.
    expectSameTensor(await indexAsync(x, rows, columns), index(x, rows, columns));
    expect((await indexAsync(x, rows, columns)).toArray()).toEqual([4, 6]);
    expect((await indexAsync(x, ":", columns)).toArray()).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect((await indexAsync(x, tensor(1, { dtype: "bool" }))).shape).toEqual([1, 2, 3]);
    expect((await indexAsync(x, tensor(0, { dtype: "bool" }))).shape).toEqual([0, 2, 3]);
    expect((await indexAsync(x, 1, "0:2")).toArray()).toEqual([4, 5]);
  });

  test("rejects with index's errors", async () => {
    await expect(indexAsync(tensor([1, 2]), bools([1, 0, 1]))).rejects.toBeInstanceOf(ShapeError);
    await expect(indexAsync(tensor([1, 2]), "...", "...")).rejects.toBeInstanceOf(ValueError);
  });
});

describe("grad mode", () => {
  test("an async op records as grad mode was when it was called", async () => {
    const x = leaf();
    setGradEnabled(false);
    let pending: Promise<Tensor>;
    try {
      pending = maskedSelectAsync(x, bools([1, 1, 0]));
    } finally {
      setGradEnabled(true);
    }
    // Recording is back on when the data arrives, but the call was made without it.
    expect((await pending).requiresGrad).toBe(false);
    expect((await maskedSelectAsync(x, bools([1, 1, 0]))).requiresGrad).toBe(true);
  });
});

describe("BlockingReadError", () => {
  test("names the async call to use, by default t.read()", () => {
    const error = new BlockingReadError("nonzero", "webgpu", "`await nonzeroAsync(…)`");
    expect(error.op).toBe("nonzero");
    expect(error.instead).toBe("`await nonzeroAsync(…)`");
    expect(error.message).toBe(
      "nonzero: cannot read webgpu data synchronously on a thread that may not block (a browser's main thread)\n" +
        "hint: use `await nonzeroAsync(…)`, or run the model in a Web Worker",
    );
    expect(new BlockingReadError("data", "webgpu").message).toContain(
      "hint: use `await t.read()` (or `await t.toArrayAsync()`), or run the model in a Web Worker",
    );
  });
});
