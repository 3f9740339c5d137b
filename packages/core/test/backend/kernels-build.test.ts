import { readFile } from "node:fs/promises";
import { expect, test } from "vitest";
import { generatedPath, generateKernelsModule } from "../../scripts/build-kernels.js";

test("the committed kernel binaries are exactly what their AssemblyScript source compiles to", async () => {
  const committed = await readFile(generatedPath, "utf8");
  // If this fails, run `pnpm build:kernels` and commit src/backend/wasm/generated/kernels.ts.
  expect(await generateKernelsModule()).toBe(committed);
});
