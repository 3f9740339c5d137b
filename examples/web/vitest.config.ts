// The playground's browser tests: `pnpm test:browser`, after `pnpm playground:build`. Not part
// of `pnpm test`, which must run where there is no browser.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.browser.test.ts"],
    // One browser, one page, driven step by step: the tests share them and run in order.
    pool: "forks",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
