/// <reference types="@webgpu/types" />
/**
 * The GPU device for the WebGPU kernel tests: Dawn through the `webgpu` package. On a machine
 * without a GPU, Dawn needs SwiftShader (software Vulkan); `pnpm test:gpu` installs it and sets
 * the environment. Without an adapter the tests fail with instructions, never skip.
 */
import type { TypedArray } from "@tensortape/core";
import type { GpuArray, GpuDType } from "../../src/backend/webgpu/gpu-array.js";
import { WebGpuKernels } from "../../src/backend/webgpu/kernels.js";

let device: Promise<GPUDevice> | undefined;
/**
 * Dawn's instance, held for the life of the process: once the GPU object is garbage collected
 * the instance is freed while its event loop still polls it, and the process crashes.
 */
let instance: GPU | undefined;

async function open(): Promise<GPUDevice> {
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  instance = create([]);
  const adapter = await instance.requestAdapter();
  if (!adapter) {
    throw new Error(
      "no WebGPU adapter: run the GPU tests with `pnpm test:gpu`, which installs SwiftShader " +
        "(node scripts/install-swiftshader.mjs) and sets VK_ICD_FILENAMES and LD_LIBRARY_PATH " +
        "to node_modules/.cache/swiftshader",
    );
  }
  const gpu = await adapter.requestDevice();
  gpu.addEventListener("uncapturederror", (event) => {
    console.error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  return gpu;
}

/** The process's one device, opened on first use. */
export function gpuDevice(): Promise<GPUDevice> {
  device ??= open();
  return device;
}

/** A fresh set of kernels on the shared device. */
export async function gpuKernels(): Promise<WebGpuKernels> {
  return new WebGpuKernels(await gpuDevice());
}

/** The GPU dtype of a typed array (Float32Array, Int32Array, Uint8Array as bool). */
export function dtypeOf(data: TypedArray): GpuDType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "bool";
  throw new Error("the GPU holds float32, int32 and bool only");
}

/** Uploads `data` into a fresh array. */
export function upload(kernels: WebGpuKernels, data: TypedArray): GpuArray {
  const array = kernels.allocate(dtypeOf(data), data.length);
  kernels.write(array, data);
  return array;
}

/**
 * Runs `check` with a device-side error scope open, so a validation error (a bad shader, a
 * bad binding) fails the test that caused it.
 */
export async function withErrors<T>(run: () => Promise<T>): Promise<T> {
  const gpu = await gpuDevice();
  gpu.pushErrorScope("validation");
  const result = await run();
  const error = await gpu.popErrorScope();
  if (error) throw new Error(`WebGPU validation error: ${error.message}`);
  return result;
}
