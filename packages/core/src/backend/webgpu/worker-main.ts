/**
 * The worker thread that owns the WebGPU device in Node. Bundled (with the kernels) into one
 * script by scripts/build-gpu-worker.mjs and started from that source, so it needs no file
 * of its own at run time. `workerData.webgpu` is the URL of the `webgpu` package to load.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DeviceHost } from "./device-host.js";
import { WebGpuKernels } from "./kernels.js";
import {
  type FromWorker,
  STATUS_HEADER,
  SYNC_BYTES,
  SYNC_HEADER,
  SYNC_STATE,
  type ToWorker,
} from "./worker-protocol.js";

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/** Marks the worker dead in shared memory, with why, so a waiting read stops waiting. */
function died(error: unknown): void {
  const status = new Int32Array(workerData.status as SharedArrayBuffer, 0, 2);
  const text = new TextEncoder().encode(String((error as Error)?.stack ?? error));
  const room = (workerData.status as SharedArrayBuffer).byteLength - STATUS_HEADER;
  const bytes = text.subarray(0, room);
  new Uint8Array(workerData.status as SharedArrayBuffer, STATUS_HEADER, bytes.length).set(bytes);
  status[1] = bytes.length;
  Atomics.store(status, 0, 1);
  Atomics.notify(status, 0);
}

process.on("uncaughtException", died);
process.on("unhandledRejection", died);

/**
 * Dawn's instance, held for the worker's life: once the GPU object is garbage collected the
 * instance is freed while its event loop still polls it, and the process crashes.
 */
let instance: GPU | undefined;

async function main(): Promise<void> {
  const port = parentPort!;
  const post = (message: FromWorker) => port.postMessage(message);
  let host: DeviceHost;
  try {
    const dawn = (await import(workerData.webgpu as string)) as DawnModule;
    Object.assign(globalThis, dawn.globals);
    instance = dawn.create([]);
    const adapter = await instance.requestAdapter();
    if (!adapter) throw new Error("no WebGPU adapter was found (is a Vulkan driver installed?)");
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
      },
    });
    host = new DeviceHost(new WebGpuKernels(device));
    device.addEventListener("uncapturederror", (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      host.fail({ name: "GPUError", message: error.message });
    });
    const info = adapter.info;
    post({
      kind: "ready",
      adapter:
        [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") ||
        "unknown adapter",
    });
  } catch (error) {
    post({ kind: "failed", message: (error as Error).message ?? String(error) });
    return;
  }
  port.on("message", (message: ToWorker) => {
    switch (message.kind) {
      case "run":
        host.run(message.commands);
        return;
      case "readSync": {
        const state = new Int32Array(message.sab, 0, 2);
        const answer = (code: number, bytes: Uint8Array) => {
          new Uint8Array(message.sab, SYNC_HEADER, bytes.length).set(bytes);
          state[SYNC_BYTES] = bytes.length;
          Atomics.store(state, SYNC_STATE, code);
          Atomics.notify(state, SYNC_STATE);
        };
        host.read(message.ref).then(
          (data) => answer(1, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
          (error: Error) => {
            const text = new TextEncoder().encode(error.message ?? String(error));
            answer(2, text.subarray(0, message.sab.byteLength - SYNC_HEADER));
          },
        );
        return;
      }
      case "read":
        host.read(message.ref).then(
          (data) => post({ kind: "read", request: message.request, data }),
          (error: Error) =>
            post({ kind: "read", request: message.request, error: error.message ?? String(error) }),
        );
        return;
    }
  });
}

void main();
