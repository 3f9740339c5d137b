import { ValueError } from "../errors.js";
import type { Backend } from "./backend.js";
import { referenceBackend } from "./reference/reference-backend.js";
import { wasmAvailable } from "./wasm/runtime.js";
import { wasmBackend } from "./wasm/wasm-backend.js";

const backends = new Map<string, Backend>([[referenceBackend.name, referenceBackend]]);
// The WebAssembly SIMD backend is the default wherever the engine can run it.
if (wasmAvailable()) backends.set(wasmBackend.name, wasmBackend);
let active: Backend = backends.get(wasmBackend.name) ?? referenceBackend;

/** Makes a backend available to `setBackend` under its name. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Selects the backend every op computes with from now on. */
export function setBackend(backend: string | Backend): void {
  if (typeof backend !== "string") {
    registerBackend(backend);
    active = backend;
    return;
  }
  const found = backends.get(backend);
  if (!found) {
    throw new ValueError(
      "setBackend",
      `no backend named "${backend}"; registered: ${[...backends.keys()].join(", ")}`,
    );
  }
  active = found;
}

/** The backend ops compute with. */
export function getBackend(): Backend {
  return active;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}
