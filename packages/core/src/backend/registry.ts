import {
  type DeviceArray,
  deviceRuntime,
  isDeviceStarted,
  type Storage,
  setDefaultDevice,
  targetDevice,
} from "../device.js";
import { ValueError } from "../errors.js";
import type { Backend } from "./backend.js";
import { referenceBackend } from "./reference/reference-backend.js";
import { wasmAvailable } from "./wasm/runtime.js";
import { wasmBackend } from "./wasm/wasm-backend.js";

/** Kernels over any storage: what an op calls, on whichever device it runs. */
export type AnyBackend = Backend<Storage, Storage>;

const backends = new Map<string, Backend>([[referenceBackend.name, referenceBackend]]);
// The WebAssembly SIMD backend is the default wherever the engine can run it.
if (wasmAvailable()) backends.set(wasmBackend.name, wasmBackend);
let active: Backend = backends.get(wasmBackend.name) ?? referenceBackend;

/** Device backends by name: selecting one makes it the default device for new tensors. */
const deviceBackends = new Set<string>(["webgpu"]);

/** Makes a CPU backend available to `setBackend` under its name. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/**
 * Selects what computes from now on. A CPU backend ("wasm", "reference" or a registered
 * one) computes every CPU tensor's ops and makes new tensors on the CPU; "webgpu" (after
 * `await initBackend("webgpu")`) makes new tensors on the GPU, where their ops then run.
 */
export function setBackend(backend: string | Backend): void {
  if (typeof backend !== "string") {
    registerBackend(backend);
    active = backend;
    setDefaultDevice("cpu");
    return;
  }
  if (deviceBackends.has(backend)) {
    setDefaultDevice(backend as "webgpu");
    return;
  }
  const found = backends.get(backend);
  if (!found) {
    throw new ValueError(
      "setBackend",
      `no backend named "${backend}"; registered: ${[...backends.keys(), ...deviceBackends].join(", ")}`,
    );
  }
  active = found;
  setDefaultDevice("cpu");
}

/**
 * The kernels ops compute with: the running op's device's (its inputs'), else the default
 * device's. On the CPU that is the selected CPU backend, over typed arrays.
 */
export function getBackend(): AnyBackend {
  const device = targetDevice();
  if (device === "cpu") return active as unknown as AnyBackend;
  return deviceRuntime("getBackend", device).kernels as unknown as AnyBackend;
}

/** The CPU backend ops on CPU tensors compute with. */
export function getCpuBackend(): Backend {
  return active;
}

/** The kernels of the device `storage` is on. */
export function backendOf(storage: Storage): AnyBackend {
  if (ArrayBuffer.isView(storage)) return active as unknown as AnyBackend;
  return (storage as DeviceArray).runtime.kernels as unknown as AnyBackend;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys(), ...[...deviceBackends].filter((d) => isDeviceStarted(d as "webgpu"))];
}
