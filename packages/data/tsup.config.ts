import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/node.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  // One shared chunk per package, so that every entry (and CJS too) sees the same classes.
  splitting: true,
  sourcemap: true,
  target: "es2022",
  // import.meta.url (which finds the packaged MNIST files) in the CommonJS build too.
  shims: true,
});
