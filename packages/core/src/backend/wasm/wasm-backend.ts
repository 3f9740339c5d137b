/**
 * The fast backend: float32 matrix products in WebAssembly SIMD (threaded when large), and
 * everything else that a profile of training showed to matter. Whatever it does not
 * accelerate (other dtypes, unusual strides) it hands to the reference backend, which it
 * is tested against kernel by kernel.
 */
import type { Backend } from "../backend.js";
import { referenceBackend } from "../reference/reference-backend.js";
import { matmulF32 } from "./matmul.js";
import { getRuntime } from "./runtime.js";

export const wasmBackend: Backend = {
  ...referenceBackend,
  name: "wasm",
  matmul(a, b, out, args) {
    const runtime = getRuntime();
    if (
      runtime &&
      a instanceof Float32Array &&
      b instanceof Float32Array &&
      out instanceof Float32Array &&
      matmulF32(runtime, a, b, out, args)
    ) {
      return;
    }
    referenceBackend.matmul(a, b, out, args);
  },
};
