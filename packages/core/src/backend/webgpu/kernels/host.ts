/**
 * What a WebGPU kernel needs from the backend that records it: a way to dispatch a compute
 * program over some buffers with a block of parameters, pooled scratch arrays, and small
 * uploads. The kernel files build programs and parameters; `WebGpuKernels` owns the device.
 */
import { ValueError } from "../../../errors.js";
import type { GpuArray, GpuDType } from "../gpu-array.js";
import type { StorageBinding } from "../wgsl/prelude.js";

/** A compute program: its WGSL, made only when the cache does not hold its key yet. */
export interface Program {
  /** Names the source exactly: two programs with one key must have the same WGSL. */
  readonly key: string;
  /** The storage bindings at 1.., in the order `run` receives their buffers. */
  readonly bindings: readonly StorageBinding[];
  /** Words of the uniform parameter block. */
  readonly words: number;
  /** The WGSL source. */
  readonly source: () => string;
}

/** The uniform parameters of one dispatch, as 32-bit words. */
export class Params {
  readonly words: number[] = [];
  static readonly #f32 = new Float32Array(1);
  static readonly #u32 = new Uint32Array(Params.#f32.buffer);

  /** Appends an unsigned integer (the element counts, sizes and offsets). */
  u(x: number): this {
    this.words.push(x >>> 0);
    return this;
  }

  /** Appends a signed integer (strides may be negative), as its two's complement bits. */
  i(x: number): this {
    this.words.push(x | 0);
    return this;
  }

  /** Appends a float32, as its bits. */
  f(x: number): this {
    Params.#f32[0] = x;
    this.words.push(Params.#u32[0]!);
    return this;
  }
}

/** The grid of workgroups of one dispatch: a flat count, and batches along z. */
export interface Grid {
  readonly groups: number;
  readonly batches?: number;
}

/** The backend services a kernel records through. */
export interface KernelHost {
  /** Records one dispatch of `program` over `buffers` (bindings 1.., in order). */
  run(program: Program, buffers: readonly GPUBuffer[], params: Params, grid: Grid): void;
  /** A zero-filled pooled array, for scratch space; give it back with `release`. */
  allocate(dtype: GpuDType, length: number): GpuArray;
  /** Returns an array to the pool: later work may reuse it, in queue order. */
  release(array: GpuArray): void;
  /** A read-only storage buffer holding `data`, freed once the work using it completes. */
  upload(data: Int32Array): GPUBuffer;
}

/**
 * The most axes a strided kernel walks after merging those that are contiguous with their
 * neighbours in every operand: each costs a division per element and words in the parameters.
 */
export const MAX_STRIDED_RANK = 12;

/** Workgroups needed for `threads` threads at `size` per group. */
export function groupsFor(threads: number, size: number): number {
  return Math.ceil(threads / size);
}

/**
 * Merges axes of an index space over several strided operands: size-1 axes go, and an axis
 * folds into the next when every operand steps over the next one's full extent with its own
 * stride. The walk visits the same offsets in the same (row-major) order.
 */
export function coalesce(
  op: string,
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
      continue;
    }
    outShape.push(size);
    strides.forEach((s, k) => {
      outStrides[k]!.push(s[d]!);
    });
  }
  if (outShape.length > MAX_STRIDED_RANK) {
    throw new ValueError(
      op,
      `the WebGPU kernels walk at most ${MAX_STRIDED_RANK} strided axes; got ${outShape.length} after merging contiguous ones`,
      "make the tensor contiguous first (x.contiguous()) or reshape it to fewer axes",
    );
  }
  return { shape: outShape, strides: outStrides };
}

/** Row-major strides of a contiguous `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
}

/** The number of elements of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
