/**
 * Setup of the "wasm-relaxed" test project: lets the engine validate relaxed SIMD (Node 20
 * keeps it behind this flag; Node 22 and current browsers enable it by default), so that the
 * backend picks its relaxed-SIMD kernels and the matmul tests run on them. It must run
 * before anything creates the kernel runtime.
 */
import { setFlagsFromString } from "node:v8";

// Node 24's engine no longer knows the flag, and says so on stderr.
if (Number(process.versions.node.split(".")[0]) < 22) {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
}
