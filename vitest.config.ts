import { defineConfig } from "vitest/config";

// Tests import the packages' TypeScript sources through the "@tensortape/source"
// export condition, so no build is needed before `vitest run`.
export default defineConfig({
  resolve: { conditions: ["@tensortape/source"] },
  ssr: { resolve: { conditions: ["@tensortape/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
  },
});
