import { ShapeError, type Tensor, ValueError, zeros } from "@tensortape/core";

/** One example of a data set: its input `x` and its target `y`. */
export interface Example {
  /** The input. */
  readonly x: Tensor;
  /** The target. */
  readonly y: Tensor;
}

/**
 * Anything with a length whose examples can be read by index: what `DataLoader` batches.
 * @example
 * const squares: Dataset = {
 *   length: 10,
 *   get: (i) => ({ x: tensor([i]), y: tensor([i * i]) }),
 * };
 */
export interface Dataset {
  /** Number of examples; valid indices are 0 to length − 1. */
  readonly length: number;
  /** The example at `index`. */
  get(index: number): Example;
}

/** Throws unless `index` is an integer in [0, length). */
export function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(op, `index ${index} is out of range for a data set of length ${length}`);
  }
}

/** Elements per example: the product of every dimension after the first. */
export function rowSize(t: Tensor): number {
  let size = 1;
  for (let d = 1; d < t.rank; d++) size *= t.shape[d]!;
  return size;
}

/** A copy of row `index` of `t` along its first axis. */
function row(t: Tensor, index: number): Tensor {
  const size = rowSize(t);
  const out = zeros(t.shape.slice(1), { dtype: t.dtype });
  out.data.set(t.data.subarray(index * size, (index + 1) * size));
  return out;
}

/**
 * A data set whose examples are the rows of two tensors of the same length: example i is
 * `{ x: x[i], y: y[i] }`. `DataLoader` batches it by copying whole rows, with no per-example
 * objects.
 * x: [N, ...], y: [N, ...]
 * @example
 * const train = new TensorDataset(mnist.train.images, mnist.train.labels);
 * train.get(0).y.item(); // 5
 */
export class TensorDataset implements Dataset {
  /** The inputs, one example per row of the first axis. */
  readonly x: Tensor;
  /** The targets, one per row of `x`. */
  readonly y: Tensor;

  constructor(x: Tensor, y: Tensor) {
    if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
      throw new ShapeError("TensorDataset", "x and y need the same length along their first axis", {
        x: x.shape,
        y: y.shape,
      });
    }
    this.x = x;
    this.y = y;
  }

  get length(): number {
    return this.x.shape[0]!;
  }

  /** Copies of row `index` of x and of y. */
  get(index: number): Example {
    checkIndex("TensorDataset.get", index, this.length);
    return { x: row(this.x, index), y: row(this.y, index) };
  }
}

/**
 * The examples of `dataset` at `indices`, in that order; `randomSplit` returns these.
 * @example new Subset(train, Int32Array.of(0, 2, 4)).length // 3
 */
export class Subset implements Dataset {
  /** The data set the examples come from. */
  readonly dataset: Dataset;
  /** Index into `dataset` of each example, in order. */
  readonly indices: Int32Array;

  constructor(dataset: Dataset, indices: ArrayLike<number>) {
    for (let i = 0; i < indices.length; i++) checkIndex("Subset", indices[i]!, dataset.length);
    this.dataset = dataset;
    this.indices = Int32Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): Example {
    checkIndex("Subset.get", index, this.length);
    return this.dataset.get(this.indices[index]!);
  }
}
