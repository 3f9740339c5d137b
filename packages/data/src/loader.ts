import {
  checkOptions,
  DTypeError,
  Generator,
  ShapeError,
  Tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { type Dataset, type Example, rowSize, Subset, TensorDataset } from "./dataset.js";
import { formatValue } from "./format-value.js";

/** How a `DataLoader` batches. */
export interface DataLoaderOptions {
  /** Examples per batch (default 1). */
  readonly batchSize?: number;
  /** Visit the examples in a new random order every epoch (default false). */
  readonly shuffle?: boolean;
  /**
   * Seeds the shuffle (default 0; seeds equal modulo 2^32 are the same seed). Each epoch's
   * order comes from a `Generator` of the loader's own, seeded by (seed, epoch): the same seed
   * gives the same orders on every machine, whatever else draws random numbers meanwhile
   * (`manualSeed`, `rand`, other loaders), and whatever the batch size.
   */
  readonly seed?: number;
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  readonly dropLast?: boolean;
}

/** Where the rows of a `TensorDataset` (or of subsets of one) live, for copying whole rows. */
interface Rows {
  readonly x: Tensor;
  readonly y: Tensor;
  /** Row of each example, or null when example i is row i. */
  readonly map: Int32Array | null;
}

function rowsOf(dataset: Dataset): Rows | null {
  if (dataset instanceof TensorDataset) return { x: dataset.x, y: dataset.y, map: null };
  if (dataset instanceof Subset) {
    const inner = rowsOf(dataset.dataset);
    if (!inner) return null;
    const outer = dataset.indices;
    return { ...inner, map: inner.map ? outer.map((i) => inner.map![i]!) : outer };
  }
  return null;
}

/** The data set's length, which must be a non-negative integer. */
function checkLength(dataset: Dataset): number {
  const n = dataset.length;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValueError(
      "DataLoader",
      `dataset.length must be a non-negative integer; got ${formatValue(n)}`,
    );
  }
  return n;
}

/** Mixes (seed, epoch) into one 32-bit seed; distinct epochs of one seed never collide. */
function epochSeed(seed: number, epoch: number): number {
  return Math.imul((Math.imul(seed, 0x9e3779b1) ^ epoch) >>> 0, 0x85ebca6b) >>> 0;
}

/**
 * Batches a data set: each iteration is one epoch, yielding `{ x, y }` with the examples
 * stacked along a new first axis. With `shuffle`, every epoch visits every example exactly
 * once in an order drawn from (seed, epoch), so runs repeat exactly; `length` is the number of
 * batches per epoch. A `TensorDataset` (or a `Subset` of one) is batched by copying whole rows
 * into one new tensor per batch; any other `Dataset` by stacking what `get` returns.
 * x: [N, ...] → batches [batchSize, ...] (the last one smaller unless `dropLast`)
 * @example
 * const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 128, shuffle: true, seed: 1 });
 * for (const { x, y } of loader) {
 *   // x: [128, 784] float32, y: [128] int32
 * }
 */
export class DataLoader implements Iterable<Example> {
  /** The data set batched. */
  readonly dataset: Dataset;
  /** Examples per batch (the last may have fewer unless dropLast). */
  readonly batchSize: number;
  /** Whether each epoch visits the examples in a fresh random order. */
  readonly shuffle: boolean;
  /** Seed of the shuffle; with the epoch, it fixes each epoch's order. */
  readonly seed: number;
  /** Whether a final batch smaller than batchSize is skipped. */
  readonly dropLast: boolean;
  #epoch = 0;
  readonly #rows: Rows | null;

  constructor(dataset: Dataset, options: DataLoaderOptions = {}) {
    checkOptions("DataLoader", options, ["batchSize", "shuffle", "seed", "dropLast"]);
    const { batchSize = 1, shuffle = false, seed = 0, dropLast = false } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ValueError(
        "DataLoader",
        `batchSize must be a positive integer; got ${formatValue(batchSize)}`,
      );
    }
    if (!Number.isSafeInteger(seed)) {
      throw new ValueError("DataLoader", `seed must be an integer; got ${formatValue(seed)}`);
    }
    for (const [name, value] of [
      ["shuffle", shuffle],
      ["dropLast", dropLast],
    ] as const) {
      if (typeof value !== "boolean") {
        throw new ValueError(
          "DataLoader",
          `${name} must be true or false; got ${formatValue(value)}`,
        );
      }
    }
    checkLength(dataset);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.#rows = rowsOf(dataset);
  }

  /** The epoch the next iteration runs (0 first); set it to resume a run's sequence of orders. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Throws a `ValueError` unless `value` is a non-negative integer. */
  set epoch(value: number) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ValueError(
        "DataLoader",
        `epoch must be a non-negative integer; got ${formatValue(value)}`,
      );
    }
    this.#epoch = value;
  }

  /** The number of batches in one epoch. */
  get length(): number {
    return this.#batchCount(this.dataset.length);
  }

  #batchCount(n: number): number {
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Starts the next epoch. */
  [Symbol.iterator](): IterableIterator<Example> {
    // Read once: a data set whose length changes mid-epoch must not desynchronise the order.
    const n = checkLength(this.dataset);
    const epoch = this.#epoch++;
    const order = this.shuffle ? new Generator(epochSeed(this.seed, epoch)).permutation(n) : null;
    return this.#batches(order, n);
  }

  /** `order[k]` is the k-th example of the epoch (null: example k). */
  *#batches(order: Int32Array | null, n: number): IterableIterator<Example> {
    const rows = this.#rows;
    // The row of the k-th example: through the subset's map when there is one.
    const map = rows?.map ?? null;
    const rowOrder = order && map ? order.map((i) => map[i]!) : (order ?? map);
    const batches = this.#batchCount(n);
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      const end = Math.min(start + this.batchSize, n);
      if (rows) {
        const indices = rowOrder?.subarray(start, end) ?? null;
        yield {
          x: copyRows(rows.x, indices, start, end - start),
          y: copyRows(rows.y, indices, start, end - start),
        };
      } else {
        const examples: Example[] = [];
        for (let k = start; k < end; k++) {
          const index = order ? order[k]! : k;
          examples.push(checkExample(this.dataset.get(index), index));
        }
        yield {
          x: stack(
            examples.map((e) => e.x),
            "x",
            order,
            start,
          ),
          y: stack(
            examples.map((e) => e.y),
            "y",
            order,
            start,
          ),
        };
      }
    }
  }
}

/**
 * A new tensor of the rows `indices` of `t` (or of the `count` rows from `start` when
 * `indices` is null), copied a row at a time.
 */
function copyRows(t: Tensor, indices: Int32Array | null, start: number, count: number): Tensor {
  const size = rowSize(t);
  const out = zeros([count, ...t.shape.slice(1)], { dtype: t.dtype });
  const src = t.data;
  const dst = out.data;
  if (indices === null) {
    dst.set(src.subarray(start * size, (start + count) * size));
  } else if (size < 16) {
    // Short rows (labels): a subarray view would cost more than the copy itself.
    for (let b = 0; b < count; b++) {
      const from = indices[b]! * size;
      for (let j = 0; j < size; j++) dst[b * size + j] = src[from + j]!;
    }
  } else {
    for (let b = 0; b < count; b++) {
      const from = indices[b]! * size;
      dst.set(src.subarray(from, from + size), b * size);
    }
  }
  return out;
}

/** What a generic `Dataset.get` returned, checked to be `{ x, y }` tensors. */
function checkExample(example: Example, index: number): Example {
  const { x, y } = (example ?? {}) as Partial<Example>;
  if (x instanceof Tensor && y instanceof Tensor) return example;
  const got =
    example !== null && typeof example === "object"
      ? `{ ${Object.keys(example).join(", ")} }`
      : formatValue(example);
  throw new ValueError(
    "DataLoader",
    `dataset.get(${index}) must return { x, y } tensors; got ${got}`,
  );
}

/** Stacks the examples' tensors along a new first axis, checking they agree. */
function stack(
  tensors: readonly Tensor[],
  field: "x" | "y",
  order: Int32Array | null,
  start: number,
): Tensor {
  const first = tensors[0]!;
  const name = (k: number) => `${field} of example ${order ? order[start + k]! : start + k}`;
  const out = zeros([tensors.length, ...first.shape], { dtype: first.dtype });
  const size = first.size;
  tensors.forEach((t, k) => {
    if (t.dtype !== first.dtype) {
      throw new DTypeError("DataLoader", "examples in a batch differ in dtype", {
        [name(0)]: first.dtype,
        [name(k)]: t.dtype,
      });
    }
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new ShapeError("DataLoader", "examples in a batch differ in shape", {
        [name(0)]: first.shape,
        [name(k)]: t.shape,
      });
    }
    out.data.set(t.data, k * size);
  });
  return out;
}
