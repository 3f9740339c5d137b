/**
 * What the device a test file runs on can hold. The core op tests run on the CPU and again,
 * in the `webgpu-ops` project, with every tensor on the GPU (setBackend("webgpu")); WebGPU
 * has no float64, so there the widest float is float32 and values are held to float32's
 * precision.
 */
import { getDefaultDevice } from "@tensortape/core";

/** Whether the tests' tensors live on the GPU. */
export const onGpu = getDefaultDevice() !== "cpu";

/** float64 on the CPU; float32 on the GPU, which holds nothing wider. */
export const widestFloat: "float32" | "float64" = onGpu ? "float32" : "float64";
