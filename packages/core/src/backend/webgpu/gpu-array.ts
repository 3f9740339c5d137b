/**
 * The storage of a tensor on a WebGPU device, as the WebGPU kernels see it: a range of
 * elements inside a GPU buffer. Ops never hold one directly; the device host hands them to
 * the kernels by id.
 */

/** The dtypes a WebGPU device stores: WGSL has no 64-bit floats, and bool is kept as u32 0/1. */
export type GpuDType = "float32" | "int32" | "bool";

/** A run of `length` elements of `dtype` starting `offset` elements into `buffer`. */
export interface GpuArray {
  /** The buffer; 4 bytes per element whatever the dtype (bool as u32). */
  readonly buffer: GPUBuffer;
  /** Index of the first element within the buffer, in elements. */
  readonly offset: number;
  /** Number of elements. */
  readonly length: number;
  readonly dtype: GpuDType;
}
