import {
  DTypeError,
  getDefaultGenerator,
  manualSeed,
  rand,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import {
  DataLoader,
  type DataLoaderOptions,
  type Dataset,
  randomSplit,
  TensorDataset,
} from "@tensortape/data";
import { describe, expect, test } from "vitest";

/** n examples: x row i is [i, i + 0.5] (float32), y is i (int32), so every batch says where it came from. */
function numbered(n: number): TensorDataset {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) x.set([i, i + 0.5], 2 * i);
  return new TensorDataset(
    tensor(x, { shape: [n, 2] }),
    tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      { shape: [n] },
    ),
  );
}

/** The same examples through the generic path: a plain Dataset, not a TensorDataset. */
function plain(dataset: Dataset): Dataset {
  return { length: dataset.length, get: (i) => dataset.get(i) };
}

/** One epoch: the y values of each batch, checking that every x row belongs to its y. */
function epoch(loader: DataLoader): number[][] {
  const batches: number[][] = [];
  for (const { x, y } of loader) {
    const ys = Array.from(y.data);
    expect(x.shape).toEqual([ys.length, 2]);
    expect(Array.from(x.data)).toEqual(ys.flatMap((i) => [i, i + 0.5]));
    batches.push(ys);
  }
  expect(batches.length).toBe(loader.length);
  return batches;
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("DataLoader", () => {
  test("without shuffle, batches are consecutive and the last one is short", () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(epoch(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  test("dropLast leaves out the short batch, and length says so", () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(epoch(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(numbered(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(numbered(3), { batchSize: 4, dropLast: true }).length).toBe(0);
  });

  test("shuffled: every example exactly once per epoch, in a new order each epoch", () => {
    const n = 103;
    const loader = new DataLoader(numbered(n), { batchSize: 10, shuffle: true, seed: 7 });
    expect(loader.length).toBe(11);
    const orders = [1, 2, 3].map(() => epoch(loader).flat());
    for (const order of orders) expect(sorted(order)).toEqual(range(n));
    expect(orders[0]).not.toEqual(range(n));
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
  });

  test("shuffled with dropLast: no example twice, and all but the remainder", () => {
    const loader = new DataLoader(numbered(23), { batchSize: 5, shuffle: true, dropLast: true });
    const seen = epoch(loader).flat();
    expect(seen.length).toBe(20);
    expect(new Set(seen).size).toBe(20);
  });

  test("the same seed gives the same sequence of epochs; another seed another", () => {
    const options: DataLoaderOptions = { batchSize: 8, shuffle: true, seed: 42 };
    const a = new DataLoader(numbered(50), options);
    const b = new DataLoader(numbered(50), options);
    const c = new DataLoader(numbered(50), { ...options, seed: 43 });
    for (let e = 0; e < 3; e++) {
      const first = epoch(a);
      expect(epoch(b)).toEqual(first);
      expect(epoch(c)).not.toEqual(first);
    }
  });

  test("the order for a seed is pinned, so that it stays the same across machines and versions", () => {
    // Generator is 32-bit integer arithmetic only, so this order is the same on every machine;
    // the value was recorded once and pins the (seed, epoch) mixing and Fisher–Yates together:
    // if it changes, every seeded training run changes with it.
    const loader = new DataLoader(numbered(10), { batchSize: 10, shuffle: true, seed: 0 });
    expect(epoch(loader)[0]).toEqual([5, 6, 2, 1, 4, 3, 7, 9, 0, 8]);
  });

  test("setting epoch resumes the sequence, and a broken-off epoch still counts", () => {
    const options: DataLoaderOptions = { batchSize: 4, shuffle: true, seed: 3 };
    const full = new DataLoader(numbered(20), options);
    const epochs = [0, 1, 2].map(() => epoch(full));
    const resumed = new DataLoader(numbered(20), options);
    resumed.epoch = 2;
    expect(epoch(resumed)).toEqual(epochs[2]);
    expect(resumed.epoch).toBe(3);
    const broken = new DataLoader(numbered(20), options);
    for (const _ of broken) break;
    expect(epoch(broken)).toEqual(epochs[1]);
  });

  test("batches are copies: changing one leaves the data set alone", () => {
    const dataset = numbered(4);
    const [first] = new DataLoader(dataset, { batchSize: 2 });
    first!.x.data.fill(-1);
    first!.y.data.fill(-1);
    expect(dataset.x.data[0]).toBe(0);
    expect(dataset.y.data[1]).toBe(1);
  });

  test("rows of any rank and dtype keep their shape", () => {
    const x = tensor(Float64Array.from(range(5 * 2 * 3)), { shape: [5, 2, 3] });
    // 20 values per label row: the wide-row copy path for y as well.
    const y = tensor(Int32Array.from(range(5 * 20)), { shape: [5, 20] });
    const batches = [...new DataLoader(new TensorDataset(x, y), { batchSize: 2, shuffle: true })];
    expect(batches.map((b) => b.x.shape)).toEqual([
      [2, 2, 3],
      [2, 2, 3],
      [1, 2, 3],
    ]);
    for (const { x: bx, y: by } of batches) {
      expect(bx.dtype).toBe("float64");
      expect(by.dtype).toBe("int32");
      for (let k = 0; k < bx.shape[0]!; k++) {
        // Row k of the batch came from example e: x starts at 6e and y at 20e.
        const e = bx.data[6 * k]! / 6;
        expect(Array.from(bx.data.subarray(6 * k, 6 * k + 6))).toEqual(
          range(6).map((j) => 6 * e + j),
        );
        expect(Array.from(by.data.subarray(20 * k, 20 * k + 20))).toEqual(
          range(20).map((j) => 20 * e + j),
        );
      }
    }
  });

  test("a generic Dataset gives the same batches as the TensorDataset fast path", () => {
    const options: DataLoaderOptions = { batchSize: 6, shuffle: true, seed: 11 };
    const fast = new DataLoader(numbered(40), options);
    const generic = new DataLoader(plain(numbered(40)), options);
    for (let e = 0; e < 2; e++) expect(epoch(generic)).toEqual(epoch(fast));
  });

  test("a Subset of a TensorDataset is batched by rows, the same as through get", () => {
    const [train, validation] = randomSplit(numbered(30), [24, 6], { seed: 5 });
    for (const subset of [train!, validation!]) {
      const options: DataLoaderOptions = { batchSize: 4, shuffle: true, seed: 2 };
      const fast = epoch(new DataLoader(subset, options));
      expect(epoch(new DataLoader(plain(subset), options))).toEqual(fast);
      expect(sorted(fast.flat())).toEqual(sorted(Array.from(subset.indices)));
      // Unshuffled, the subset's own order.
      expect(epoch(new DataLoader(subset, { batchSize: 4 })).flat()).toEqual(
        Array.from(subset.indices),
      );
    }
    // A subset of a subset maps through both.
    const [inner] = randomSplit(train!, [0.5, 0.5], { seed: 1 });
    const expected = Array.from(inner!.indices, (i) => train!.indices[i]!);
    expect(epoch(new DataLoader(inner!, { batchSize: 5 })).flat()).toEqual(expected);
  });

  test("an empty data set has no batches", () => {
    const empty: Dataset = { length: 0, get: () => ({ x: tensor(0), y: tensor(0) }) };
    const loader = new DataLoader(empty, { batchSize: 3, shuffle: true });
    expect(loader.length).toBe(0);
    expect([...loader]).toEqual([]);
  });

  test("examples of different shapes or dtypes in one batch are named", () => {
    const examples: Tensor[] = [
      tensor([1, 2]),
      tensor([1, 2]),
      tensor([1, 2, 3]),
      tensor([1, 2], { dtype: "float64" }),
    ];
    const ragged: Dataset = { length: 3, get: (i) => ({ x: examples[i]!, y: tensor(i) }) };
    expect(() => [...new DataLoader(ragged, { batchSize: 3 })]).toThrow(ShapeError);
    expect(() => [...new DataLoader(ragged, { batchSize: 3 })]).toThrow(
      "DataLoader: examples in a batch differ in shape; got x of example 0 [2] and x of example 2 [3]",
    );
    const mixed: Dataset = { length: 2, get: (i) => ({ x: examples[3 * i]!, y: tensor(i) }) };
    expect(() => [...new DataLoader(mixed, { batchSize: 2 })]).toThrow(DTypeError);
  });

  test("bad options are named", () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow(ValueError);
    expect(() => new DataLoader(numbered(3), { batchSize: 1.5 })).toThrow(
      "DataLoader: batchSize must be a positive integer; got 1.5",
    );
    expect(() => new DataLoader(numbered(3), { seed: 0.5 })).toThrow(ValueError);
  });
});

describe("DataLoader determinism", () => {
  const options: DataLoaderOptions = { batchSize: 7, shuffle: true, seed: 99 };
  const reference = [0, 1, 2]
    .map(() => new DataLoader(numbered(40), options))
    .map((l, e) => {
      l.epoch = e;
      return epoch(l);
    });

  test("the default generator drawn from or reseeded in between changes nothing", () => {
    const loader = new DataLoader(numbered(40), options);
    manualSeed(123);
    expect(epoch(loader)).toEqual(reference[0]);
    // Draw from the global generator, as weight initialisation and dropout do.
    rand([1000]);
    getDefaultGenerator().permutation(50);
    expect(epoch(loader)).toEqual(reference[1]);
    manualSeed(7);
    expect(epoch(loader)).toEqual(reference[2]);
    manualSeed(0);
  });

  test("interleaved loaders and interleaved epochs do not disturb one another", () => {
    const a = new DataLoader(numbered(40), options);
    const b = new DataLoader(numbered(40), options);
    const first = a[Symbol.iterator]();
    const second = a[Symbol.iterator]();
    const other = b[Symbol.iterator]();
    const ys = (it: Iterator<{ y: Tensor }>) => Array.from(it.next().value!.y.data);
    // Batches of epochs 0 and 1 of a and epoch 0 of b, taken in turn.
    expect(ys(second)).toEqual(reference[1]![0]);
    expect(ys(other)).toEqual(reference[0]![0]);
    expect(ys(first)).toEqual(reference[0]![0]);
    expect(ys(second)).toEqual(reference[1]![1]);
    expect(ys(first)).toEqual(reference[0]![1]);
  });

  test("the order of an epoch does not depend on the batch size or dropLast", () => {
    const orders = [1, 3, 7, 40, 64].map((batchSize) =>
      epoch(new DataLoader(numbered(40), { ...options, batchSize })).flat(),
    );
    for (const order of orders) expect(order).toEqual(reference[0]!.flat());
    const dropped = epoch(new DataLoader(numbered(40), { ...options, dropLast: true })).flat();
    expect(dropped).toEqual(reference[0]!.flat().slice(0, 35));
  });

  test("a batch never changes after it is handed out", () => {
    for (const dataset of [numbered(10), plain(numbered(10))]) {
      const loader = new DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 1 });
      const kept: { x: Tensor; y: Tensor; x0: number[]; y0: number[] }[] = [];
      for (let e = 0; e < 3; e++) {
        for (const { x, y } of loader) {
          kept.push({ x, y, x0: Array.from(x.data), y0: Array.from(y.data) });
        }
      }
      // Every batch of every epoch in its own memory, unchanged by the epochs after it...
      const buffers = new Set(kept.flatMap(({ x, y }) => [x.data.buffer, y.data.buffer]));
      expect(buffers.size).toBe(2 * kept.length);
      for (const { x, y, x0, y0 } of kept) {
        expect(Array.from(x.data)).toEqual(x0);
        expect(Array.from(y.data)).toEqual(y0);
        expect(x.version).toBe(0);
      }
      // ...and by writes to the data set's own tensors.
      if (dataset instanceof TensorDataset) dataset.x.data.fill(-1);
      for (const { x, x0 } of kept) expect(Array.from(x.data)).toEqual(x0);
    }
  });

  test("a data set whose length changes mid-epoch finishes the epoch it started", () => {
    const inner = numbered(12);
    let length = 12;
    const growing: Dataset = {
      get length() {
        return length;
      },
      get: (i) => inner.get(i),
    };
    const loader = new DataLoader(growing, { batchSize: 5, shuffle: true, seed: 3 });
    const batches: number[][] = [];
    for (const { y } of loader) {
      batches.push(Array.from(y.data));
      length = 6;
    }
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(sorted(batches.flat())).toEqual(range(12));
    expect(loader.length).toBe(2);
    expect(() => {
      length = -1;
      [...loader];
    }).toThrow("DataLoader: dataset.length must be a non-negative integer; got -1");
  });

  test("a get that does not return { x, y } tensors is named", () => {
    const broken: Dataset = { length: 2, get: (i) => ({ x: tensor([i]) }) as never };
    expect(() => [...new DataLoader(broken, { batchSize: 2 })]).toThrow(
      "DataLoader: dataset.get(0) must return { x, y } tensors; got { x }",
    );
    const nothing: Dataset = { length: 1, get: () => undefined as never };
    expect(() => [...new DataLoader(nothing)]).toThrow(ValueError);
  });
});
