/**
 * Float32 kernels that the JavaScript loops compute with a data-dependent branch (ReLU and
 * the comparisons), run instead as branch-free SIMD selects in WebAssembly: on values of
 * random sign the branch mispredicts half the time, which costs more than copying the
 * operands in and out. Results are exactly the reference's.
 */
import type { BinaryKernel, StridedView } from "../backend.js";
import { collapse } from "./elementwise.js";
import type { KernelRuntime } from "./runtime.js";

/** Below this many elements the JavaScript loop is faster than the copies. */
const SIMD_MIN_ELEMENTS = 1024;

const comparisonCodes: Partial<Record<BinaryKernel, number>> = {
  eq: 0,
  ne: 1,
  lt: 2,
  le: 3,
  gt: 4,
  ge: 5,
};

/** out = max(x, 0) in WebAssembly; false (nothing written) for small arrays. */
export function reluSimd(runtime: KernelRuntime, x: Float32Array, out: Float32Array): boolean {
  const n = x.length;
  if (n < SIMD_MIN_ELEMENTS) return false;
  runtime.reset();
  const at = runtime.allocate(n * 4);
  if (at < 0) return false;
  runtime.f32.set(x, at >> 2);
  runtime.exports.reluF32(at, at, n);
  out.set(runtime.f32.subarray(at >> 2, (at >> 2) + n));
  return true;
}

/**
 * out (bytes) = a ∘ b for a comparison of float32 operands that collapse to one dimension,
 * each contiguous or a broadcast scalar; false (nothing written) otherwise.
 */
export function compareSimd(
  runtime: KernelRuntime,
  op: BinaryKernel,
  a: StridedView,
  b: StridedView,
  out: Uint8Array,
  shape: readonly number[],
): boolean {
  const code = comparisonCodes[op];
  if (
    code === undefined ||
    !(a.data instanceof Float32Array) ||
    !(b.data instanceof Float32Array)
  ) {
    return false;
  }
  if (out.length < SIMD_MIN_ELEMENTS) return false;
  const c = collapse(shape, [a.strides, b.strides]);
  if (c.shape.length !== 1) return false;
  const aStep = c.strides[0]![0]!;
  const bStep = c.strides[1]![0]!;
  if (aStep > 1 || bStep > 1 || aStep < 0 || bStep < 0) return false;
  const n = c.shape[0]!;
  runtime.reset();
  const aAt = runtime.allocate((aStep ? n : 1) * 4);
  const bAt = runtime.allocate((bStep ? n : 1) * 4);
  const outAt = runtime.allocate(n);
  if (aAt < 0 || bAt < 0 || outAt < 0) return false;
  const f32 = runtime.f32;
  f32.set(a.data.subarray(a.offset, a.offset + (aStep ? n : 1)), aAt >> 2);
  f32.set(b.data.subarray(b.offset, b.offset + (bStep ? n : 1)), bAt >> 2);
  runtime.exports.compareF32(code, aAt, aStep, bAt, bStep, outAt, n);
  out.set(runtime.u8.subarray(outAt, outAt + n));
  return true;
}
