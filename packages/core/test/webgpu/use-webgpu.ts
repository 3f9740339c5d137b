/**
 * Vitest setup file of the `webgpu-ops` project: starts the WebGPU device and makes it the
 * default, so every tensor the op-value tests create lives on the GPU and their ops run there.
 */
import { initBackend, setBackend } from "@tensortape/core";

await initBackend("webgpu");
setBackend("webgpu");
