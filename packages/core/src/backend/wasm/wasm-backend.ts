/**
 * The fast backend: float32 matrix products in WebAssembly SIMD (threaded when large), and
 * elementwise and reduction kernels as one JavaScript loop per op. Whatever it does not
 * accelerate (float64 products, operands that do not collapse to two dimensions) it hands
 * to the reference backend, which it is tested against kernel by kernel.
 */
import type { Backend } from "../backend.js";
import { referenceBackend } from "../reference/reference-backend.js";
import { binaryFast, reduceFast, unaryFast } from "./elementwise.js";
import { matmulF32 } from "./matmul.js";
import { getRuntime } from "./runtime.js";

/** The WebAssembly SIMD backend, the default where the engine supports it. */
export const wasmBackend: Backend = {
  ...referenceBackend,
  name: "wasm",
  unary: unaryFast,
  binary(op, a, b, out, shape) {
    if (!binaryFast(op, a, b, out, shape)) referenceBackend.binary(op, a, b, out, shape);
  },
  reduce(op, x, shape, axes, out) {
    if (!reduceFast(op, x, shape, axes, out)) referenceBackend.reduce(op, x, shape, axes, out);
  },
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
