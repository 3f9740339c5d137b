import { type DeviceName, placeOn, targetDevice } from "./device.js";
import {
  allocate,
  type DType,
  dtypeOfArray,
  isDType,
  isStorageOf,
  type TypedArray,
} from "./dtype.js";
import { checkOptions, DTypeError, ShapeError, ValueError } from "./errors.js";
import { type Generator, getDefaultGenerator } from "./random.js";
import { checkShape, formatShape, type Shape, sizeOf } from "./shape.js";
import { type NestedArray, Tensor } from "./tensor.js";

/** How `tensor()` reads its data: shape, dtype, copying, and whether it requires grad. */
export interface TensorOptions {
  /** Required when `data` is a flat array or a typed array: the shape to read it as. */
  readonly shape?: readonly number[];
  /** Default: float32, or the typed array's own dtype. */
  readonly dtype?: DType;
  /** Make the tensor a leaf that records gradients. Default false. */
  readonly requiresGrad?: boolean;
  /**
   * Default true. With false, a typed array already of the tensor's dtype is wrapped rather
   * than copied, so later writes to either are seen by both (for loaders and kernels that
   * fill a fresh array themselves).
   */
  readonly copy?: boolean;
  /** Where the data lives: "cpu" or "webgpu". Default: the running op's, else `setBackend`'s. */
  readonly device?: DeviceName;
}

/** The dtype, gradient flag and generator of `rand` and `randn`. */
export interface RandomOptions {
  /** Default float32. */
  readonly dtype?: "float32" | "float64";
  /** Make the tensor a leaf that records gradients. Default false. */
  readonly requiresGrad?: boolean;
  /** Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
  /**
   * Where the samples go. They are always drawn on the CPU, so a seed gives the same values
   * on every device.
   */
  readonly device?: DeviceName;
}

const TENSOR_OPTIONS = ["shape", "dtype", "requiresGrad", "copy", "device"];
const CREATION_OPTIONS = ["dtype", "requiresGrad", "device"];
const RANDOM_OPTIONS = ["dtype", "requiresGrad", "generator", "device"];

/** `data` made into a tensor on `device` (default: where new data goes now). */
function made(
  op: string,
  data: TypedArray,
  shape: Shape,
  dtype: DType,
  options: { readonly device?: DeviceName; readonly requiresGrad?: boolean },
): Tensor {
  const storage = placeOn(options.device ?? targetDevice(), data, dtype, op);
  const t = new Tensor(storage, [...shape], dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function resolveDtype(op: string, dtype: DType | undefined, fallback: DType): DType {
  const d = dtype ?? fallback;
  if (!isDType(d)) throw new ValueError(op, `unknown dtype "${String(d)}"`);
  return d;
}

/** Infers the shape of nested arrays, rejecting ragged ones. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

function flattenInto(
  op: string,
  data: NestedArray,
  shape: readonly number[],
  dim: number,
  out: number[],
): void {
  if (dim === shape.length) {
    if (typeof data !== "number" && typeof data !== "boolean") {
      throw new ValueError(
        op,
        `expected a number at depth ${dim}, got ${Array.isArray(data) ? "an array" : typeof data}`,
      );
    }
    out.push(Number(data));
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new ShapeError(
      op,
      "nested arrays are ragged",
      { expected: shape },
      `at depth ${dim}: ${Array.isArray(data) ? `length ${data.length}` : "a number"} where ${shape[dim]} elements were expected`,
    );
  }
  for (const item of data) flattenInto(op, item, shape, dim + 1, out);
}

/** Writes `values` into a new array of `dtype`, rejecting values the dtype cannot hold. */
function fill(op: string, values: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, values.length);
  if (dtype === "int32") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new DTypeError(op, `value ${v} at flat index ${i} is not a 32-bit integer`, {
          data: "int32",
        });
      }
      out[i] = v;
    }
  } else if (dtype === "bool") {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    out.set(values);
  }
  return out;
}

/**
 * A tensor from nested arrays, a number, or a flat (typed) array with its `shape`. The data is
 * copied unless `copy: false` is given for a typed array of the tensor's dtype.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 * @example tensor(new Float32Array(6), { shape: [2, 3] })
 */
export function tensor(data: NestedArray | ArrayLike<number>, options: TensorOptions = {}): Tensor {
  checkOptions("tensor", options, TENSOR_OPTIONS);
  let flat: ArrayLike<number>;
  let shape: readonly number[];
  const arrayDtype =
    typeof data === "object" && !Array.isArray(data) ? dtypeOfArray(data) : undefined;
  if (typeof data === "number") {
    flat = [data];
    shape = [];
  } else if (Array.isArray(data) && !options.shape) {
    shape = nestedShape(data);
    const values: number[] = [];
    flattenInto("tensor", data, shape, 0, values);
    flat = values;
  } else {
    if (!options.shape) {
      throw new ShapeError(
        "tensor",
        "a typed array needs a shape",
        {},
        undefined,
        `pass { shape: [${(data as ArrayLike<number>).length}] } for a vector`,
      );
    }
    shape = options.shape;
    flat = data as ArrayLike<number>;
    if (Array.isArray(flat) && flat.some(Array.isArray)) {
      const values: number[] = [];
      flattenInto("tensor", data as NestedArray, nestedShape(data as NestedArray), 0, values);
      flat = values;
    }
  }
  checkShape("tensor", shape);
  if (flat.length !== sizeOf(shape)) {
    throw new ShapeError(
      "tensor",
      "data length does not match shape",
      { shape },
      `${flat.length} elements for shape ${formatShape(shape)}, which holds ${sizeOf(shape)}`,
    );
  }
  const dtype = resolveDtype("tensor", options.dtype, arrayDtype ?? "float32");
  const wrap = options.copy === false && isStorageOf(dtype, flat);
  const values = wrap ? (flat as TypedArray) : fill("tensor", flat, dtype);
  return made("tensor", values, shape, dtype, options);
}

function filled(op: string, shape: Shape, value: number, options: CreationOptions): Tensor {
  checkShape(op, shape);
  const d = resolveDtype(op, options.dtype, "float32");
  const data = allocate(d, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return made(op, data, shape, d, options);
}

type CreationOptions = Pick<TensorOptions, "dtype" | "requiresGrad" | "device">;

/** A tensor of zeros. @example zeros([2, 3]) */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions("zeros", options, CREATION_OPTIONS);
  return filled("zeros", shape, 0, options);
}

/** A tensor of ones. @example ones([3]) */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions("ones", options, CREATION_OPTIONS);
  return filled("ones", shape, 1, options);
}

/** A tensor with every element `value`. @example full([2], 7) */
export function full(
  shape: readonly number[],
  value: number,
  options: CreationOptions = {},
): Tensor {
  checkOptions("full", options, CREATION_OPTIONS);
  if (typeof value !== "number") {
    throw new ValueError("full", `the fill value must be a number; got ${typeof value}`);
  }
  return filled("full", shape, value, options);
}

/** Zeros of x's shape and dtype. */
export function zerosLike(x: Tensor): Tensor {
  return x.zerosLike();
}

/** Ones of x's shape and dtype. */
export function onesLike(x: Tensor): Tensor {
  return x.onesLike();
}

/**
 * Evenly spaced values in [start, stop): `arange(n)` is 0..n-1. Integer arguments give int32
 * unless a dtype is given.
 * @example arange(5) // tensor([0, 1, 2, 3, 4], dtype=int32)
 */
export function arange(
  start: number,
  stop?: number,
  step = 1,
  options: CreationOptions = {},
): Tensor {
  checkOptions("arange", options, CREATION_OPTIONS);
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  for (const [name, value] of [
    ["start", from],
    ["end", to],
    ["step", step],
  ] as const) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ValueError("arange", `${name} must be a finite number; got ${String(value)}`);
    }
  }
  if (step === 0) throw new ValueError("arange", "step must be nonzero; got 0");
  const n = Math.max(0, Math.ceil((to - from) / step));
  checkShape("arange", [n]);
  const integral = [from, to, step].every(Number.isInteger);
  const dtype = resolveDtype("arange", options.dtype, integral ? "int32" : "float32");
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = from + i * step;
  return made("arange", data, [n], dtype, options);
}

/** `n` evenly spaced values from start to stop, both included. */
export function linspace(
  start: number,
  stop: number,
  n: number,
  options: CreationOptions = {},
): Tensor {
  checkOptions("linspace", options, CREATION_OPTIONS);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new ValueError("linspace", `start and end must be finite; got ${start} and ${stop}`);
  }
  checkShape("linspace", [n]);
  const dtype = resolveDtype("linspace", options.dtype, "float32");
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = n === 1 ? start : start + ((stop - start) * i) / (n - 1);
  return made("linspace", data, [n], dtype, options);
}

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  checkOptions("eye", options, CREATION_OPTIONS);
  checkShape("eye", [n, m]);
  const dtype = resolveDtype("eye", options.dtype, "float32");
  const data = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return made("eye", data, [n, m], dtype, options);
}

function random(
  op: string,
  shape: Shape,
  options: RandomOptions,
  sample: (g: Generator) => number,
): Tensor {
  checkOptions(op, options, RANDOM_OPTIONS);
  checkShape(op, shape);
  const dtype = resolveDtype(op, options.dtype, "float32");
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError(op, "random samples are floating point", { dtype });
  }
  const generator = options.generator ?? getDefaultGenerator();
  const data = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = sample(generator);
  return made(op, data, shape, dtype, options);
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random("rand", shape, options, (g) => g.uniform());
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random("randn", shape, options, (g) => g.normal());
}

/** Uniform integers in [low, high), as int32. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: { generator?: Generator; device?: DeviceName } = {},
): Tensor {
  checkOptions("randint", options, ["generator", "device"]);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError("randint", `needs integers low < high; got ${low} and ${high}`);
  }
  // Samples are int32, so the range must lie within it (PyTorch's int32 randint checks the same).
  if (low < -2147483648 || high > 2147483648) {
    throw new ValueError(
      "randint",
      `low and high must lie within int32 [-2147483648, 2147483648]; got ${low} and ${high}`,
      "the samples are int32; draw from a smaller range, or use rand() and scale",
    );
  }
  checkShape("randint", shape);
  const generator = options.generator ?? getDefaultGenerator();
  const data = new Int32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = generator.integer(low, high);
  return made("randint", data, shape, "int32", options);
}
