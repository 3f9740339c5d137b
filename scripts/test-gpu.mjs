#!/usr/bin/env node
/**
 * Runs the WebGPU test suite on SwiftShader, the software Vulkan driver, installing it first if
 * needed: vitest's `webgpu` project (the kernels, the op table, gradcheck and training against
 * the CPU) and its `webgpu-ops` project (the op-value tests with every tensor on the GPU). The
 * dynamic linker reads LD_LIBRARY_PATH only when a process starts, so the driver's environment
 * is set here and vitest runs as a child process.
 * Extra arguments go to vitest:
 *
 *   pnpm test:gpu packages/core/test/webgpu/matmul.test.ts
 *
 * TENSORTAPE_REQUIRE_GPU=1 makes the suite fail, never skip, when no adapter can be had. Set
 * TENSORTAPE_GPU_DRIVER=system to use the machine's own Vulkan driver (a real GPU) instead.
 */
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installSwiftShader, swiftShaderIcd } from "./install-swiftshader.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, TENSORTAPE_REQUIRE_GPU: "1" };
if (process.env.TENSORTAPE_GPU_DRIVER !== "system") {
  const dir = installSwiftShader();
  env.VK_ICD_FILENAMES = swiftShaderIcd;
  env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${dir}:${env.LD_LIBRARY_PATH}` : dir;
}

const vitest = resolve(root, "node_modules", "vitest", "vitest.mjs");
const child = spawn(
  process.execPath,
  [vitest, "run", "--project", "webgpu", "--project", "webgpu-ops", ...process.argv.slice(2)],
  {
    cwd: root,
    env,
    stdio: "inherit",
  },
);
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
