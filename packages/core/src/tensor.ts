import { type BackwardOptions, backward } from "./autograd/backward.js";
import type { Node } from "./autograd/node.js";
import { allocate, type DType, isFloat, type TypedArray } from "./dtype.js";
import { DTypeError, GradientError, ValueError } from "./errors.js";
import { formatTensor } from "./format.js";
import * as ops from "./ops/index.js";
import { type Shape, sizeOf } from "./shape.js";

/** A tensor or a plain number: every op accepts either. */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

let nextId = 0;

/**
 * In-place write counts, keyed by the typed array itself so that every tensor sharing the
 * data (a reshape, a detached copy) shares the count, as views share PyTorch's `_version`.
 */
const versions = new WeakMap<TypedArray, number>();

/**
 * An n-dimensional array of one dtype in row-major order, which records the ops applied to
 * it on a tape when it (or anything it was computed from) requires grad.
 *
 * Create tensors with `tensor`, `zeros`, `randn` and friends rather than the constructor.
 */
export class Tensor {
  /** Unique per process; names the tensor in graph listings. */
  readonly id = nextId++;
  readonly shape: Shape;
  readonly dtype: DType;
  /** The accumulated gradient of a leaf after `backward()`, or null. */
  grad: Tensor | null = null;
  #data: TypedArray;
  #requiresGrad: boolean;
  #node: Node | null = null;

  /** @internal Wraps `data` (not copied) as a tensor of `shape`; ops check shapes first. */
  constructor(data: TypedArray, shape: Shape, dtype: DType, requiresGrad = false) {
    this.#data = data;
    this.shape = shape;
    this.dtype = dtype;
    this.#requiresGrad = requiresGrad;
  }

  /** @internal A 0-d tensor holding `value`. */
  static scalar(value: number, dtype: DType = "float32"): Tensor {
    const data = allocate(dtype, 1);
    data[0] = value;
    return new Tensor(data, [], dtype);
  }

  /** The elements in row-major order: the live typed array, not a copy. */
  get data(): TypedArray {
    return this.#data;
  }

  /**
   * How many in-place writes the library has made to this tensor's data (an optimizer step,
   * loading a state dict). Ops that keep a tensor for their backward rule record its version,
   * and `backward()` throws if it moved. Writes through `.data` are not counted unless
   * followed by `bumpVersion()`, as PyTorch's `.data` is not.
   */
  get version(): number {
    return versions.get(this.#data) ?? 0;
  }

  /**
   * Records an in-place change to the data, so that a graph which saved this tensor refuses
   * to run backward with the new values. Every in-place write the library makes calls it;
   * call it after writing into `.data` yourself if a recorded graph may still use the tensor.
   */
  bumpVersion(): void {
    versions.set(this.#data, (versions.get(this.#data) ?? 0) + 1);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The recorded op that made this tensor, or null for a leaf. */
  get node(): Node | null {
    return this.#node;
  }

  /** Whether this tensor was created by the user (or detached) rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.#node === null;
  }

  /** Whether gradients flow to this tensor. Settable on leaves of a float dtype. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (!this.isLeaf) {
      throw new GradientError(
        "requiresGrad",
        "can only be changed on leaf tensors; this one was computed by an op",
        "use detach() to get a leaf that shares the data",
      );
    }
    if (value && !isFloat(this.dtype)) {
      throw new DTypeError("requiresGrad", "only float tensors can require grad", {
        tensor: this.dtype,
      });
    }
    this.#requiresGrad = value;
  }

  /** Sets `requiresGrad` on this leaf and returns it, for chaining. */
  requireGrad(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** @internal Called by `applyOp` to put this freshly made output on the tape. */
  attachNode(node: Node): void {
    this.#node = node;
    this.#requiresGrad = true;
  }

  // ---- Reading out ---------------------------------------------------------------------

  /** The elements as nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const data = this.#data;
    const shape = this.shape;
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      if (dim === shape.length) return data[offset]!;
      const inner = stride / (shape[dim] || 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[dim]!; i++) out.push(build(dim + 1, offset + i * inner, inner));
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(
        "item",
        `only one-element tensors have an item; got ${this.size} elements`,
      );
    }
    return this.#data[0]!;
  }

  /** NumPy-style printing; large tensors are summarised with `...`. */
  toString(): string {
    return formatTensor(this);
  }

  // ---- Autograd ------------------------------------------------------------------------

  /**
   * Accumulates the gradient of this tensor with respect to every leaf that requires grad into
   * the leaves' `.grad`. A non-scalar needs the upstream gradient `grad`; a scalar may take
   * the options in its place: `loss.backward({ retainGraph: true })`.
   */
  backward(grad?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    backward(this, grad, options);
  }

  /** A leaf sharing this tensor's data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.#data, this.shape, this.dtype);
  }

  /** @internal A new tensor object sharing data, shape and graph position with this one. */
  alias(): Tensor {
    return new Tensor(this.#data, this.shape, this.dtype);
  }

  /** A leaf holding a copy of the data. */
  clone(): Tensor {
    return new Tensor(this.#data.slice(), this.shape, this.dtype);
  }

  /** Clears `.grad`. */
  zeroGrad(): void {
    this.grad = null;
  }

  zerosLike(): Tensor {
    return new Tensor(allocate(this.dtype, this.size), this.shape, this.dtype);
  }

  onesLike(): Tensor {
    return new Tensor(allocate(this.dtype, this.size).fill(1), this.shape, this.dtype);
  }

  // ---- Ops (each also a free function of the same name) ----------------------------------

  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return ops.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  atan2(other: TensorLike): Tensor {
    return ops.atan2(this, other);
  }
  remainder(other: TensorLike): Tensor {
    return ops.remainder(this, other);
  }
  fmod(other: TensorLike): Tensor {
    return ops.fmod(this, other);
  }
  floorDivide(other: TensorLike): Tensor {
    return ops.floorDivide(this, other);
  }
  logicalAnd(other: TensorLike): Tensor {
    return ops.logicalAnd(this, other);
  }
  logicalOr(other: TensorLike): Tensor {
    return ops.logicalOr(this, other);
  }
  logicalXor(other: TensorLike): Tensor {
    return ops.logicalXor(this, other);
  }
  logaddexp(other: TensorLike): Tensor {
    return ops.logaddexp(this, other);
  }
  hypot(other: TensorLike): Tensor {
    return ops.hypot(this, other);
  }
  copysign(other: TensorLike): Tensor {
    return ops.copysign(this, other);
  }
  lerp(end: TensorLike, weight: TensorLike): Tensor {
    return ops.lerp(this, end, weight);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  floor(): Tensor {
    return ops.floor(this);
  }
  ceil(): Tensor {
    return ops.ceil(this);
  }
  round(decimals = 0): Tensor {
    return ops.round(this, decimals);
  }
  trunc(): Tensor {
    return ops.trunc(this);
  }
  frac(): Tensor {
    return ops.frac(this);
  }
  tan(): Tensor {
    return ops.tan(this);
  }
  asin(): Tensor {
    return ops.asin(this);
  }
  acos(): Tensor {
    return ops.acos(this);
  }
  atan(): Tensor {
    return ops.atan(this);
  }
  sinh(): Tensor {
    return ops.sinh(this);
  }
  cosh(): Tensor {
    return ops.cosh(this);
  }
  asinh(): Tensor {
    return ops.asinh(this);
  }
  acosh(): Tensor {
    return ops.acosh(this);
  }
  atanh(): Tensor {
    return ops.atanh(this);
  }
  log2(): Tensor {
    return ops.log2(this);
  }
  log10(): Tensor {
    return ops.log10(this);
  }
  log1p(): Tensor {
    return ops.log1p(this);
  }
  exp2(): Tensor {
    return ops.exp2(this);
  }
  expm1(): Tensor {
    return ops.expm1(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  erf(): Tensor {
    return ops.erf(this);
  }
  erfc(): Tensor {
    return ops.erfc(this);
  }
  erfinv(): Tensor {
    return ops.erfinv(this);
  }
  isnan(): Tensor {
    return ops.isnan(this);
  }
  isinf(): Tensor {
    return ops.isinf(this);
  }
  isfinite(): Tensor {
    return ops.isfinite(this);
  }
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  clamp(min?: number, max?: number): Tensor {
    return ops.clamp(this, min, max);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  logsumexp(axis?: number | number[], keepDims = false): Tensor {
    return ops.logsumexp(this, axis, keepDims);
  }
  sum(axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  mean(axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  max(axis?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  min(axis?: number | number[], keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  argmax(axis?: number, keepDims = false): Tensor {
    return ops.argmax(this, axis, keepDims);
  }
  argmin(axis?: number, keepDims = false): Tensor {
    return ops.argmin(this, axis, keepDims);
  }
  prod(axis?: number | number[], keepDims = false): Tensor {
    return ops.prod(this, axis, keepDims);
  }
  var(axis?: number | number[], options?: ops.VarianceOptions): Tensor {
    return ops.var(this, axis, options);
  }
  std(axis?: number | number[], options?: ops.VarianceOptions): Tensor {
    return ops.std(this, axis, options);
  }
  norm(p: ops.NormOrder = 2, axis?: number | number[], keepDims = false): Tensor {
    return ops.norm(this, p, axis, keepDims);
  }
  any(axis?: number | number[], keepDims = false): Tensor {
    return ops.any(this, axis, keepDims);
  }
  all(axis?: number | number[], keepDims = false): Tensor {
    return ops.all(this, axis, keepDims);
  }
  cumsum(axis: number): Tensor {
    return ops.cumsum(this, axis);
  }
  cumprod(axis: number): Tensor {
    return ops.cumprod(this, axis);
  }
  logcumsumexp(axis: number): Tensor {
    return ops.logcumsumexp(this, axis);
  }
  cummax(axis: number): ops.CumulativeExtreme {
    return ops.cummax(this, axis);
  }
  cummin(axis: number): ops.CumulativeExtreme {
    return ops.cummin(this, axis);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(startAxis = 0, endAxis = -1): Tensor {
    return ops.flatten(this, startAxis, endAxis);
  }
  squeeze(axis?: number | number[]): Tensor {
    return ops.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  transpose(axes?: readonly number[]): Tensor {
    return ops.transpose(this, axes);
  }
  permute(...axes: number[]): Tensor {
    return ops.transpose(this, axes);
  }
  /** The transpose of a matrix (its last two axes swapped). */
  get T(): Tensor {
    return ops.swapAxes(this, -2, -1);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  slice(
    begin: readonly number[],
    end?: readonly (number | null)[],
    step?: readonly number[],
  ): Tensor {
    return ops.slice(this, begin, end, step);
  }
  gather(axis: number, index: Tensor): Tensor {
    return ops.gather(this, axis, index);
  }
  sort(axis = -1, options?: ops.SortOptions): ops.ValuesAndIndices {
    return ops.sort(this, axis, options);
  }
  argsort(axis = -1, options?: ops.SortOptions): Tensor {
    return ops.argsort(this, axis, options);
  }
  topk(k: number, axis = -1, options?: ops.TopkOptions): ops.ValuesAndIndices {
    return ops.topk(this, k, axis, options);
  }
  kthvalue(k: number, axis = -1, keepDims = false): ops.ValuesAndIndices {
    return ops.kthvalue(this, k, axis, keepDims);
  }
  median(): Tensor;
  median(axis: number, keepDims?: boolean): ops.ValuesAndIndices;
  median(axis?: number, keepDims = false): Tensor | ops.ValuesAndIndices {
    return axis === undefined ? ops.median(this) : ops.median(this, axis, keepDims);
  }
  unique(options?: ops.UniqueOptions): ops.UniqueResult {
    return ops.unique(this, options);
  }
  indexSelect(axis: number, index: Tensor): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  maskedFill(mask: Tensor, value: TensorLike): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  maskedSelect(mask: Tensor): Tensor {
    return ops.maskedSelect(this, mask);
  }
  nonzero(): Tensor {
    return ops.nonzero(this);
  }
  multinomial(numSamples: number, options?: ops.MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, options);
  }
  scatter(axis: number, index: Tensor, src: TensorLike): Tensor {
    return ops.scatter(this, axis, index, src);
  }
  scatterReduce(
    axis: number,
    index: Tensor,
    src: Tensor,
    reduce: ops.ScatterReduction,
    options?: ops.ScatterReduceOptions,
  ): Tensor {
    return ops.scatterReduce(this, axis, index, src, reduce, options);
  }
  /** NumPy/PyTorch-style indexing, `x[...items]`: see `index`. */
  index(...items: ops.IndexItem[]): Tensor {
    return ops.index(this, ...items);
  }
  flip(axes: number | number[]): Tensor {
    return ops.flip(this, axes);
  }
  roll(shifts: number | number[], axes?: number | number[]): Tensor {
    return ops.roll(this, shifts, axes);
  }
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }
  diag(k = 0): Tensor {
    return ops.diag(this, k);
  }
  diagonal(offset = 0, axis1 = 0, axis2 = 1): Tensor {
    return ops.diagonal(this, offset, axis1, axis2);
  }
  repeat(repeats: readonly number[]): Tensor {
    return ops.repeat(this, repeats);
  }
  tile(reps: readonly number[]): Tensor {
    return ops.tile(this, reps);
  }
  repeatInterleave(repeats: number | Tensor, axis?: number): Tensor {
    return ops.repeatInterleave(this, repeats, axis);
  }
  split(sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, sizeOrSections, axis);
  }
  chunk(chunks: number, axis = 0): Tensor[] {
    return ops.chunk(this, chunks, axis);
  }
  unbind(axis = 0): Tensor[] {
    return ops.unbind(this, axis);
  }
  unflatten(axis: number, sizes: readonly number[]): Tensor {
    return ops.unflatten(this, axis, sizes);
  }
  movedim(source: number | number[], destination: number | number[]): Tensor {
    return ops.movedim(this, source, destination);
  }
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
}
