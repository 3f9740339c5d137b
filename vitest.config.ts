import { defineConfig } from "vitest/config";

const setupFiles = ["packages/core/test/backend/use-backend.ts"];

// Tests import the packages' TypeScript sources through the "@tensortape/source" export
// condition, so no build is needed before `vitest run`. Every test runs on the default
// (WebAssembly) backend; core's tests run a second time on the reference backend.
// The GPU projects run only under `pnpm test:gpu` (scripts/test-gpu.mjs), which installs a
// driver and sets TENSORTAPE_REQUIRE_GPU; `pnpm test` must pass on machines without one.
const gpuSuite = process.env.TENSORTAPE_REQUIRE_GPU === "1";

export default defineConfig({
  resolve: { conditions: ["@tensortape/source"] },
  ssr: { resolve: { conditions: ["@tensortape/source"] } },
  test: {
    pool: "forks",
    testTimeout: 30_000,
    projects: [
      {
        extends: true as const,
        test: {
          name: "wasm",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          // The WebGPU kernel tests need a GPU adapter: `pnpm test:gpu` runs them.
          exclude: ["packages/core/test/webgpu/**", "test/webgpu/**"],
          env: { TENSORTAPE_BACKEND: "wasm" },
          setupFiles,
        },
      },
      {
        extends: true as const,
        test: {
          // The matmul tests again on the relaxed-SIMD kernels (fused multiply-add), which
          // the backend picks wherever the engine accepts them; and the other kernels of
          // that build, which must stay unfused and bit-identical to the reference.
          name: "wasm-relaxed",
          include: [
            "packages/core/test/backend/wasm-matmul.test.ts",
            "packages/core/test/backend/wasm-training.test.ts",
            "packages/core/test/backend/wasm-elementwise.test.ts",
            "packages/core/test/backend/optimizer-updates.test.ts",
            // Threads on fused multiply-adds: every split must still give the same bits.
            "packages/core/test/backend/thread-pool.test.ts",
          ],
          env: { TENSORTAPE_BACKEND: "wasm", TENSORTAPE_KERNELS: "relaxed" },
          setupFiles: ["packages/core/test/backend/relaxed-simd.ts", ...setupFiles],
        },
      },
      {
        extends: true as const,
        test: {
          name: "reference",
          include: ["packages/core/test/**/*.test.ts"],
          // The backend tests compare the two backends themselves.
          exclude: ["packages/core/test/backend/**", "packages/core/test/webgpu/**"],
          // And with every gradient array the backward pass gives back for reuse poisoned
          // (NaN, every size): a gradient read after its memory was given back fails a test.
          env: { TENSORTAPE_BACKEND: "reference", TENSORTAPE_POISON_RECYCLED: "1" },
          setupFiles,
        },
      },
      {
        extends: true as const,
        test: {
          // The WebGPU kernels against the reference backend, on whatever adapter Dawn finds
          // (SwiftShader's software Vulkan here): run with `pnpm test:gpu`, which sets it up.
          name: "webgpu",
          include: ["packages/core/test/webgpu/**/*.test.ts", "test/webgpu/**/*.test.ts"],
          testTimeout: 120_000,
        },
      },
      {
        extends: true as const,
        test: {
          // The op-value tests again with every tensor on the GPU (setBackend("webgpu")), in
          // float32 (test/on-device.ts): `pnpm test:gpu` runs them with the webgpu project.
          name: "webgpu-ops",
          // What needs float64 (second derivatives, float64 errors) is split into *-float64
          // test files, which run on the CPU only.
          include: [
            "packages/core/test/op-values.test.ts",
            "packages/core/test/ops-sort-index.test.ts",
            "packages/core/test/attention.test.ts",
            "packages/core/test/packed-attention.test.ts",
            "packages/core/test/ops-reduction-shape.test.ts",
            "packages/core/test/ops-conv.test.ts",
            "packages/core/test/ops-elementwise.test.ts",
          ],
          setupFiles: ["packages/core/test/webgpu/use-webgpu.ts"],
          testTimeout: 120_000,
        },
      },
    ].filter((project) => gpuSuite || !project.test.name.startsWith("webgpu")),
  },
});
