import { type BackwardOptions, backward } from "./autograd/backward.js";
import type { Node } from "./autograd/node.js";
import {
  allocateOn,
  cloneStorage,
  DeviceArray,
  type DeviceName,
  deviceOf,
  placeOn,
  type Storage,
} from "./device.js";
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
 * In-place write counts, keyed by the storage itself so that every tensor sharing the data
 * (a reshape, a detached copy) shares the count, as views share PyTorch's `_version`.
 */
const versions = new WeakMap<Storage, number>();

/**
 * An n-dimensional array of one dtype in row-major order, which records the ops applied to
 * it on a tape when it (or anything it was computed from) requires grad.
 *
 * Create tensors with `tensor`, `zeros`, `randn` and friends rather than the constructor.
 */
export class Tensor {
  /** Unique per process; names the tensor in graph listings. */
  readonly id = nextId++;
  /** The size of each axis, outermost first; `[]` for a 0-d tensor. */
  readonly shape: Shape;
  /** The element type, which fixes the typed array behind `data`. */
  readonly dtype: DType;
  /** The accumulated gradient of a leaf after `backward()`, or null. */
  grad: Tensor | null = null;
  #storage: Storage;
  #requiresGrad: boolean;
  #node: Node | null = null;

  /** @internal Wraps `storage` (not copied) as a tensor of `shape`; ops check shapes first. */
  constructor(storage: Storage, shape: Shape, dtype: DType, requiresGrad = false) {
    this.#storage = storage;
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

  /**
   * The elements in row-major order. On the CPU, the live typed array, not a copy; on a
   * device, a copy read back synchronously (in Node the caller waits for the device; a
   * browser's main thread cannot, and gets a BlockingReadError naming `read()`), so writes
   * into it do not reach the tensor.
   */
  get data(): TypedArray {
    const storage = this.#storage;
    if (storage instanceof DeviceArray) return storage.runtime.readSync(storage, "data");
    return storage;
  }

  /**
   * The backend's storage of the data: the typed array on the CPU, a `DeviceArray` handle on
   * a device. Kernels take it; user code reads with `data` or `read()`.
   */
  get storage(): Storage {
    return this.#storage;
  }

  /** The device the data lives on: `"cpu"`, or `"webgpu"` after `t.to("webgpu")`. */
  get device(): DeviceName {
    return deviceOf(this.#storage);
  }

  /**
   * The elements in row-major order once they are computed: works everywhere, including a
   * browser's main thread with a GPU tensor. A new array on a device, the live one on the CPU.
   */
  read(): Promise<TypedArray> {
    const storage = this.#storage;
    if (storage instanceof DeviceArray) return storage.runtime.read(storage);
    return Promise.resolve(storage);
  }

  /** `toArray()` after `read()`: nested arrays without blocking. */
  async toArrayAsync(): Promise<NestedArray> {
    return nest(await this.read(), this.shape, this.size);
  }

  /**
   * How many in-place writes the library has made to this tensor's data (an optimizer step,
   * loading a state dict). Ops that keep a tensor for their backward rule record its version,
   * and `backward()` throws if it moved. Writes through `.data` are not counted unless
   * followed by `bumpVersion()`, as PyTorch's `.data` is not.
   */
  get version(): number {
    return versions.get(this.#storage) ?? 0;
  }

  /**
   * Records an in-place change to the data, so that a graph which saved this tensor refuses
   * to run backward with the new values. Every in-place write the library makes calls it;
   * call it after writing into `.data` yourself if a recorded graph may still use the tensor.
   */
  bumpVersion(): void {
    versions.set(this.#storage, (versions.get(this.#storage) ?? 0) + 1);
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

  /** Throws a `GradientError` on a non-leaf and a `DTypeError` for true on a non-float dtype. */
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
    return nest(this.data, this.shape, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(
        "item",
        `only one-element tensors have an item; got ${this.size} elements`,
      );
    }
    return this.data[0]!;
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
    return new Tensor(this.#storage, this.shape, this.dtype);
  }

  /** @internal A new tensor object sharing data, shape and graph position with this one. */
  alias(): Tensor {
    return new Tensor(this.#storage, this.shape, this.dtype);
  }

  /** A leaf holding a copy of the data. */
  clone(): Tensor {
    return new Tensor(cloneStorage(this.#storage), this.shape, this.dtype);
  }

  /** Clears `.grad`. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** A new tensor of zeros with this tensor's shape and dtype. */
  zerosLike(): Tensor {
    return new Tensor(allocateOn(this.device, this.dtype, this.size), this.shape, this.dtype);
  }

  /** A new tensor of ones with this tensor's shape and dtype. */
  onesLike(): Tensor {
    const ones = allocate(this.dtype, this.size).fill(1);
    return new Tensor(placeOn(this.device, ones, this.dtype, "onesLike"), this.shape, this.dtype);
  }

  // ---- Ops (each also a free function of the same name) ----------------------------------

  /** Elementwise `this + other` with broadcasting; see `add`. */
  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  /** Elementwise `this - other` with broadcasting; see `sub`. */
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  /** Elementwise `this * other` with broadcasting; see `mul`. */
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  /** Elementwise true division `this / other` with broadcasting; see `div`. */
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  /** Elementwise `this ** exponent` with broadcasting; see `pow`. */
  pow(exponent: TensorLike): Tensor {
    return ops.pow(this, exponent);
  }
  /** Elementwise larger of `this` and `other`, with broadcasting; see `maximum`. */
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  /** Elementwise smaller of `this` and `other`, with broadcasting; see `minimum`. */
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  /** Elementwise `atan2(this, other)`, the angle of the point (other, this); see `atan2`. */
  atan2(other: TensorLike): Tensor {
    return ops.atan2(this, other);
  }
  /** Elementwise remainder with the sign of the divisor (Python's `%`); see `remainder`. */
  remainder(other: TensorLike): Tensor {
    return ops.remainder(this, other);
  }
  /** Elementwise remainder with the sign of the dividend (C's `fmod`); see `fmod`. */
  fmod(other: TensorLike): Tensor {
    return ops.fmod(this, other);
  }
  /** Elementwise `floor(this / other)` with broadcasting; see `floorDivide`. */
  floorDivide(other: TensorLike): Tensor {
    return ops.floorDivide(this, other);
  }
  /** Elementwise logical AND of nonzero-ness, as a bool tensor; see `logicalAnd`. */
  logicalAnd(other: TensorLike): Tensor {
    return ops.logicalAnd(this, other);
  }
  /** Elementwise logical OR of nonzero-ness, as a bool tensor; see `logicalOr`. */
  logicalOr(other: TensorLike): Tensor {
    return ops.logicalOr(this, other);
  }
  /** Elementwise logical XOR of nonzero-ness, as a bool tensor; see `logicalXor`. */
  logicalXor(other: TensorLike): Tensor {
    return ops.logicalXor(this, other);
  }
  /** Elementwise `log(exp(this) + exp(other))`, computed stably; see `logaddexp`. */
  logaddexp(other: TensorLike): Tensor {
    return ops.logaddexp(this, other);
  }
  /** Elementwise `sqrt(this² + other²)` with broadcasting; see `hypot`. */
  hypot(other: TensorLike): Tensor {
    return ops.hypot(this, other);
  }
  /** Elementwise magnitude of `this` with the sign of `other`; see `copysign`. */
  copysign(other: TensorLike): Tensor {
    return ops.copysign(this, other);
  }
  /** Elementwise `this + weight * (end - this)` with broadcasting; see `lerp`. */
  lerp(end: TensorLike, weight: TensorLike): Tensor {
    return ops.lerp(this, end, weight);
  }
  /** Matrix product with batched, broadcast leading axes; see `matmul`. */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  /** Elementwise `-this`; see `neg`. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** Elementwise `e ** this`; see `exp`. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Elementwise natural logarithm; see `log`. */
  log(): Tensor {
    return ops.log(this);
  }
  /** Elementwise square root; see `sqrt`. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** Elementwise `this * this`; see `square`. */
  square(): Tensor {
    return ops.square(this);
  }
  /** Elementwise absolute value; see `abs`. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** Elementwise sign: -1, 0 or 1; see `sign`. */
  sign(): Tensor {
    return ops.sign(this);
  }
  /** Elementwise sine (radians); see `sin`. */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Elementwise cosine (radians); see `cos`. */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** Elementwise rounding down to an integer value; see `floor`. */
  floor(): Tensor {
    return ops.floor(this);
  }
  /** Elementwise rounding up to an integer value; see `ceil`. */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /** Elementwise rounding half to even, to `decimals` decimal places; see `round`. */
  round(decimals = 0): Tensor {
    return ops.round(this, decimals);
  }
  /** Elementwise rounding toward zero; see `trunc`. */
  trunc(): Tensor {
    return ops.trunc(this);
  }
  /** Elementwise fractional part, `this - trunc(this)`; see `frac`. */
  frac(): Tensor {
    return ops.frac(this);
  }
  /** Elementwise tangent (radians); see `tan`. */
  tan(): Tensor {
    return ops.tan(this);
  }
  /** Elementwise inverse sine; see `asin`. */
  asin(): Tensor {
    return ops.asin(this);
  }
  /** Elementwise inverse cosine; see `acos`. */
  acos(): Tensor {
    return ops.acos(this);
  }
  /** Elementwise inverse tangent; see `atan`. */
  atan(): Tensor {
    return ops.atan(this);
  }
  /** Elementwise hyperbolic sine; see `sinh`. */
  sinh(): Tensor {
    return ops.sinh(this);
  }
  /** Elementwise hyperbolic cosine; see `cosh`. */
  cosh(): Tensor {
    return ops.cosh(this);
  }
  /** Elementwise inverse hyperbolic sine; see `asinh`. */
  asinh(): Tensor {
    return ops.asinh(this);
  }
  /** Elementwise inverse hyperbolic cosine; see `acosh`. */
  acosh(): Tensor {
    return ops.acosh(this);
  }
  /** Elementwise inverse hyperbolic tangent; see `atanh`. */
  atanh(): Tensor {
    return ops.atanh(this);
  }
  /** Elementwise base-2 logarithm; see `log2`. */
  log2(): Tensor {
    return ops.log2(this);
  }
  /** Elementwise base-10 logarithm; see `log10`. */
  log10(): Tensor {
    return ops.log10(this);
  }
  /** Elementwise `log(1 + this)`, accurate near zero; see `log1p`. */
  log1p(): Tensor {
    return ops.log1p(this);
  }
  /** Elementwise `2 ** this`; see `exp2`. */
  exp2(): Tensor {
    return ops.exp2(this);
  }
  /** Elementwise `exp(this) - 1`, accurate near zero; see `expm1`. */
  expm1(): Tensor {
    return ops.expm1(this);
  }
  /** Elementwise `1 / sqrt(this)`; see `rsqrt`. */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /** Elementwise `1 / this`; see `reciprocal`. */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /** Elementwise Gauss error function; see `erf`. */
  erf(): Tensor {
    return ops.erf(this);
  }
  /** Elementwise complementary error function `1 - erf(this)`; see `erfc`. */
  erfc(): Tensor {
    return ops.erfc(this);
  }
  /** Elementwise inverse error function on (-1, 1); see `erfinv`. */
  erfinv(): Tensor {
    return ops.erfinv(this);
  }
  /** Bool tensor marking NaN elements; see `isnan`. */
  isnan(): Tensor {
    return ops.isnan(this);
  }
  /** Bool tensor marking infinite elements; see `isinf`. */
  isinf(): Tensor {
    return ops.isinf(this);
  }
  /** Bool tensor marking elements that are neither infinite nor NaN; see `isfinite`. */
  isfinite(): Tensor {
    return ops.isfinite(this);
  }
  /** Bool tensor marking zero elements (logical NOT); see `logicalNot`. */
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  /** Elementwise `max(this, 0)`; see `relu`. */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** Elementwise logistic `1 / (1 + exp(-this))`; see `sigmoid`. */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** Elementwise hyperbolic tangent; see `tanh`. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Elementwise clamp into `[min, max]` (either bound may be omitted); see `clamp`. */
  clamp(min?: number, max?: number): Tensor {
    return ops.clamp(this, min, max);
  }
  /** Softmax along `axis` (last by default); see `softmax`. */
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  /** Log of the softmax along `axis`, computed stably; see `logSoftmax`. */
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  /** `log(sum(exp(this)))` over `axis` (all axes by default), computed stably; see `logsumexp`. */
  logsumexp(axis?: number | number[], keepDims = false): Tensor {
    return ops.logsumexp(this, axis, keepDims);
  }
  /** Sum over `axis` (all axes by default), keeping reduced axes as size 1 with `keepDims`; see `sum`. */
  sum(axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  /** Mean over `axis` (all axes by default); see `mean`. */
  mean(axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  /** Maximum over `axis` (all axes by default); see `max`. */
  max(axis?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  /** Minimum over `axis` (all axes by default); see `min`. */
  min(axis?: number | number[], keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  /** Int index of the maximum along `axis` (of the flattened tensor by default); see `argmax`. */
  argmax(axis?: number, keepDims = false): Tensor {
    return ops.argmax(this, axis, keepDims);
  }
  /** Int index of the minimum along `axis` (of the flattened tensor by default); see `argmin`. */
  argmin(axis?: number, keepDims = false): Tensor {
    return ops.argmin(this, axis, keepDims);
  }
  /** Product over `axis` (all axes by default); see `prod`. */
  prod(axis?: number | number[], keepDims = false): Tensor {
    return ops.prod(this, axis, keepDims);
  }
  /** Variance over `axis` (all axes by default), with Bessel's correction unless told otherwise; see `var`. */
  var(axis?: number | number[], options?: ops.VarianceOptions): Tensor {
    return ops.var(this, axis, options);
  }
  /** Standard deviation over `axis` (all axes by default); see `std`. */
  std(axis?: number | number[], options?: ops.VarianceOptions): Tensor {
    return ops.std(this, axis, options);
  }
  /** Vector p-norm over `axis` (all axes by default); see `norm`. */
  norm(p: ops.NormOrder = 2, axis?: number | number[], keepDims = false): Tensor {
    return ops.norm(this, p, axis, keepDims);
  }
  /** Bool tensor: whether any element over `axis` is nonzero; see `any`. */
  any(axis?: number | number[], keepDims = false): Tensor {
    return ops.any(this, axis, keepDims);
  }
  /** Bool tensor: whether every element over `axis` is nonzero; see `all`. */
  all(axis?: number | number[], keepDims = false): Tensor {
    return ops.all(this, axis, keepDims);
  }
  /** Running sum along `axis`; see `cumsum`. */
  cumsum(axis: number): Tensor {
    return ops.cumsum(this, axis);
  }
  /** Running product along `axis`; see `cumprod`. */
  cumprod(axis: number): Tensor {
    return ops.cumprod(this, axis);
  }
  /** Running `log(sum(exp(...)))` along `axis`, computed stably; see `logcumsumexp`. */
  logcumsumexp(axis: number): Tensor {
    return ops.logcumsumexp(this, axis);
  }
  /** Running maximum along `axis`, with the index where each was reached; see `cummax`. */
  cummax(axis: number): ops.CumulativeExtreme {
    return ops.cummax(this, axis);
  }
  /** Running minimum along `axis`, with the index where each was reached; see `cummin`. */
  cummin(axis: number): ops.CumulativeExtreme {
    return ops.cummin(this, axis);
  }
  /**
   * Writes `source`'s values into this tensor's data in place (PyTorch's `copy_`), broadcast,
   * cast and moved as needed; returns this. Bumps `version`. See `copyInto`.
   */
  copyFrom(source: Tensor): this {
    ops.copyInto(this, source);
    return this;
  }
  /** This tensor on `device` (itself if already there), differentiably; see `to`. */
  to(device: DeviceName): Tensor {
    return ops.to(this, device);
  }
  /** The same elements in `shape` (one entry may be -1); see `reshape`. */
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  /** Axes `startAxis..endAxis` merged into one; see `flatten`. */
  flatten(startAxis = 0, endAxis = -1): Tensor {
    return ops.flatten(this, startAxis, endAxis);
  }
  /** Size-1 axes removed (only `axis` if given); see `squeeze`. */
  squeeze(axis?: number | number[]): Tensor {
    return ops.squeeze(this, axis);
  }
  /** A size-1 axis inserted at `axis`; see `unsqueeze`. */
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  /** Axes permuted by `axes` (reversed by default); see `transpose`. */
  transpose(axes?: readonly number[]): Tensor {
    return ops.transpose(this, axes);
  }
  /** Axes permuted into the given order, PyTorch's spelling of `transpose(axes)`. */
  permute(...axes: number[]): Tensor {
    return ops.transpose(this, axes);
  }
  /** The transpose of a matrix (its last two axes swapped). */
  get T(): Tensor {
    return ops.swapAxes(this, -2, -1);
  }
  /** A broadcast view of this tensor with `shape`; see `broadcastTo`. */
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  /** The strided slice `begin..end` by `step` along each axis (null end: to the end); see `slice`. */
  slice(
    begin: readonly number[],
    end?: readonly (number | null)[],
    step?: readonly number[],
  ): Tensor {
    return ops.slice(this, begin, end, step);
  }
  /** Elements picked along `axis` by `index`, shaped like `index`; see `gather`. */
  gather(axis: number, index: Tensor): Tensor {
    return ops.gather(this, axis, index);
  }
  /** Values sorted along `axis` with their original indices; see `sort`. */
  sort(axis = -1, options?: ops.SortOptions): ops.ValuesAndIndices {
    return ops.sort(this, axis, options);
  }
  /** Indices that sort this tensor along `axis`; see `argsort`. */
  argsort(axis = -1, options?: ops.SortOptions): Tensor {
    return ops.argsort(this, axis, options);
  }
  /** The `k` largest (or smallest) values along `axis` with their indices; see `topk`. */
  topk(k: number, axis = -1, options?: ops.TopkOptions): ops.ValuesAndIndices {
    return ops.topk(this, k, axis, options);
  }
  /** The `k`-th smallest value along `axis` (1-based) with its index; see `kthvalue`. */
  kthvalue(k: number, axis = -1, keepDims = false): ops.ValuesAndIndices {
    return ops.kthvalue(this, k, axis, keepDims);
  }
  /** The lower median of all elements, as a 0-d tensor; see `median`. */
  median(): Tensor;
  /** The lower median along `axis` with its index; see `median`. */
  median(axis: number, keepDims?: boolean): ops.ValuesAndIndices;
  median(axis?: number, keepDims = false): Tensor | ops.ValuesAndIndices {
    return axis === undefined ? ops.median(this) : ops.median(this, axis, keepDims);
  }
  /** The distinct elements, sorted, with optional inverse indices and counts; see `unique`. */
  unique(options?: ops.UniqueOptions): ops.UniqueResult {
    return ops.unique(this, options);
  }
  /** Slices along `axis` picked by the 1-d int tensor `index`; see `indexSelect`. */
  indexSelect(axis: number, index: Tensor): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  /** `value` where the bool `mask` is true (broadcast), this tensor elsewhere; see `maskedFill`. */
  maskedFill(mask: Tensor, value: TensorLike): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  /** The elements where the bool `mask` is true, as a 1-d tensor; see `maskedSelect`. */
  maskedSelect(mask: Tensor): Tensor {
    return ops.maskedSelect(this, mask);
  }
  /** The indices of nonzero elements, one row per element (shape [n, ndim]); see `nonzero`. */
  nonzero(): Tensor {
    return ops.nonzero(this);
  }
  /** `numSamples` category indices drawn per row from these nonnegative weights; see `multinomial`. */
  multinomial(numSamples: number, options?: ops.MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, options);
  }
  /** A copy with `src` written along `axis` at the positions in `index`; see `scatter`. */
  scatter(axis: number, index: Tensor, src: TensorLike): Tensor {
    return ops.scatter(this, axis, index, src);
  }
  /** A copy with `src` combined along `axis` into the positions in `index` by `reduce`; see `scatterReduce`. */
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
  /** Element order reversed along `axes`; see `flip`. */
  flip(axes: number | number[]): Tensor {
    return ops.flip(this, axes);
  }
  /** Elements shifted cyclically by `shifts` along `axes` (the flattened tensor by default); see `roll`. */
  roll(shifts: number | number[], axes?: number | number[]): Tensor {
    return ops.roll(this, shifts, axes);
  }
  /** The lower triangle on and below diagonal `k` of the last two axes, zeros elsewhere; see `tril`. */
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  /** The upper triangle on and above diagonal `k` of the last two axes, zeros elsewhere; see `triu`. */
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }
  /** A 1-d tensor's diagonal matrix, or a matrix's `k`-th diagonal; see `diag`. */
  diag(k = 0): Tensor {
    return ops.diag(this, k);
  }
  /** The `offset`-th diagonal of the plane `axis1`, `axis2`, as a last axis; see `diagonal`. */
  diagonal(offset = 0, axis1 = 0, axis2 = 1): Tensor {
    return ops.diagonal(this, offset, axis1, axis2);
  }
  /** This tensor tiled `repeats[i]` times along axis i (PyTorch's `repeat`); see `repeat`. */
  repeat(repeats: readonly number[]): Tensor {
    return ops.repeat(this, repeats);
  }
  /** This tensor tiled `reps` times, padding `reps` with leading ones (NumPy's `tile`); see `tile`. */
  tile(reps: readonly number[]): Tensor {
    return ops.tile(this, reps);
  }
  /** Each element (or slice along `axis`) repeated `repeats` times in place; see `repeatInterleave`. */
  repeatInterleave(repeats: number | Tensor, axis?: number): Tensor {
    return ops.repeatInterleave(this, repeats, axis);
  }
  /** Pieces along `axis` of the given size, or of the listed sizes; see `split`. */
  split(sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, sizeOrSections, axis);
  }
  /** `chunks` nearly equal pieces along `axis`; see `chunk`. */
  chunk(chunks: number, axis = 0): Tensor[] {
    return ops.chunk(this, chunks, axis);
  }
  /** The slices along `axis`, each with that axis removed; see `unbind`. */
  unbind(axis = 0): Tensor[] {
    return ops.unbind(this, axis);
  }
  /** Axis `axis` split into `sizes`; see `unflatten`. */
  unflatten(axis: number, sizes: readonly number[]): Tensor {
    return ops.unflatten(this, axis, sizes);
  }
  /** Axes moved from `source` to `destination`, the others keeping their order; see `movedim`. */
  movedim(source: number | number[], destination: number | number[]): Tensor {
    return ops.movedim(this, source, destination);
  }
  /** A broadcast view with `shape`, where -1 keeps an axis's size; see `expand`. */
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  /** The elements converted to `dtype`; see `cast`. */
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  /** Bool tensor of elementwise `this == other`; see `eq`. */
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  /** Bool tensor of elementwise `this != other`; see `ne`. */
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  /** Bool tensor of elementwise `this < other`; see `lt`. */
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  /** Bool tensor of elementwise `this <= other`; see `le`. */
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  /** Bool tensor of elementwise `this > other`; see `gt`. */
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  /** Bool tensor of elementwise `this >= other`; see `ge`. */
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
}

/** `data` (row-major, `size` elements) as nested arrays of `shape`. */
function nest(data: TypedArray, shape: Shape, size: number): NestedArray {
  const build = (dim: number, offset: number, stride: number): NestedArray => {
    if (dim === shape.length) return data[offset]!;
    const inner = stride / (shape[dim] || 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]!; i++) out.push(build(dim + 1, offset + i * inner, inner));
    return out;
  };
  return build(0, 0, size);
}
