/**
 * What the device a test file runs on can hold. The core op tests run on the CPU and again,
 * in the `webgpu-ops` project, with every tensor on the GPU (setBackend("webgpu")); WebGPU
 * has no float64, so there the widest float is float32 and values are held to float32's
 * precision.
 */
import { getDefaultDevice, type Tensor } from "@tensortape/core";

/** Whether the tests' tensors live on the GPU. */
export const onGpu = getDefaultDevice() !== "cpu";

/** float64 on the CPU; float32 on the GPU, which holds nothing wider. */
export const widestFloat: "float32" | "float64" = onGpu ? "float32" : "float64";

/**
 * A float64 test input (randomTensor's) as the device holds it: itself on the CPU, cast to
 * float32 and moved on the GPU.
 */
export function onTestDevice(t: Tensor): Tensor {
  return onGpu ? t.cast("float32").to("webgpu") : t;
}

/** Tolerances for float64 reference values: float64's on the CPU, float32's on the GPU. */
export function closeTo(rtol: number, atol: number): { rtol: number; atol: number } {
  return onGpu ? { rtol: Math.max(rtol, 1e-4), atol: Math.max(atol, 1e-5) } : { rtol, atol };
}
