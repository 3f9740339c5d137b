// Packs @tensortape/core, nn and data with the repository's package manager and uses the
// tarballs as a stranger would: installs them with plain npm into a fresh project outside the
// workspace, imports them from an ES module, requires them from CommonJS, type-checks a
// TypeScript consumer under each module resolution (nodenext, node16 as CommonJS, bundler,
// node10) and bundles a browser script. `pnpm check:packages`; CI runs it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const packages = ["core", "nn", "data"];
const work = mkdtempSync(join(tmpdir(), "tensortape-packages-"));
const tarballs = join(work, "tarballs");
const consumer = join(work, "consumer");
mkdirSync(tarballs);
mkdirSync(consumer);

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { stdio: ["ignore", "pipe", "inherit"], ...options })
      .toString()
      .trim();
  } catch (error) {
    // tsc and node report on stdout: show it, then fail with the command.
    if (error.stdout?.length) console.error(`\n${error.stdout.toString()}`);
    throw new Error(`failed: ${command} ${args.join(" ")}`);
  }
}

function step(name, fn) {
  process.stdout.write(`${name} ... `);
  const result = fn();
  console.log(result ?? "ok");
}

const pnpm = ["-y", "pnpm@9.15.9"];
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

try {
  for (const pkg of packages) {
    step(`pack @tensortape/${pkg} (builds first)`, () => {
      run(npx, [...pnpm, "pack", "--pack-destination", tarballs], {
        cwd: join(root, "packages", pkg),
      });
      const tarball = readdirSync(tarballs).find((f) => f.startsWith(`tensortape-${pkg}-`));
      if (!tarball) throw new Error(`no tarball for @tensortape/${pkg}`);
      const listing = run("tar", ["-tzf", join(tarballs, tarball)]).split("\n");
      for (const required of [
        "package/dist/index.js",
        "package/dist/index.cjs",
        "package/dist/index.d.ts",
        "package/dist/index.d.cts",
        "package/README.md",
        "package/LICENSE",
      ]) {
        if (!listing.includes(required)) throw new Error(`${tarball} lacks ${required}`);
      }
      const manifest = JSON.parse(
        run("tar", ["-xzOf", join(tarballs, tarball), "package/package.json"]),
      );
      const deps = JSON.stringify(manifest.dependencies ?? {});
      if (deps.includes("workspace:")) throw new Error(`${tarball} still names workspace: ${deps}`);
      return `${tarball}, ${listing.length} files`;
    });
  }

  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, version: "0.0.0" }, null, 2),
  );
  step("npm install the three tarballs into a fresh project", () => {
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    run(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], {
      cwd: consumer,
    });
  });

  const program = (load) => `${load}
const a = core.tensor([[1, 2], [3, 4]], { requiresGrad: true });
a.matmul(a).relu().mean().backward();
const grad = Array.from(a.grad.data).join(",");
// d mean(AA)/dA = (1·Aᵀ + Aᵀ·1)/4 = [[7, 11], [9, 13]]/4
if (grad !== "1.75,2.75,2.25,3.25") throw new Error("wrong gradient " + grad);
const layer = new nn.Linear(2, 3);
if (layer.forward(a).shape.join() !== "2,3") throw new Error("wrong Linear output");
if (typeof testing.gradcheck !== "function" || typeof nnNode.saveSafetensors !== "function")
  throw new Error("a subpath export is missing");
if (typeof data.parseIdx !== "function" || typeof dataNode.loadMnist !== "function")
  throw new Error("a data export is missing");
console.log("gradient " + grad);
`;
  writeFileSync(
    join(consumer, "esm.mjs"),
    program(`import * as core from "@tensortape/core";
import * as testing from "@tensortape/core/testing";
import * as nn from "@tensortape/nn";
import * as nnNode from "@tensortape/nn/node";
import * as data from "@tensortape/data";
import * as dataNode from "@tensortape/data/node";`),
  );
  writeFileSync(
    join(consumer, "cjs.cjs"),
    program(`const core = require("@tensortape/core");
const testing = require("@tensortape/core/testing");
const nn = require("@tensortape/nn");
const nnNode = require("@tensortape/nn/node");
const data = require("@tensortape/data");
const dataNode = require("@tensortape/data/node");`),
  );
  step("import from an ES module", () => run(process.execPath, ["esm.mjs"], { cwd: consumer }));
  step("require from CommonJS", () => run(process.execPath, ["cjs.cjs"], { cwd: consumer }));

  const tsSource = `import { type Tensor, tensor } from "@tensortape/core";
import { gradcheck } from "@tensortape/core/testing";
import { Linear, type Module, Sequential } from "@tensortape/nn";
import { saveSafetensors } from "@tensortape/nn/node";
import { parseIdx } from "@tensortape/data";
import { loadMnist } from "@tensortape/data/node";

const x: Tensor = tensor([[1, 2]], { requiresGrad: true });
const model = new Sequential(new Linear(2, 1));
const asModule: Module = model;
const y: Tensor = model.forward(x).sum();
y.backward();
export const uses = [gradcheck, saveSafetensors, parseIdx, loadMnist, y, asModule];
`;
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const typeRoots = join(root, "node_modules", "@types");
  const resolutions = [
    { name: "nodenext (ES module)", type: "module", module: "nodenext", resolution: "nodenext" },
    { name: "node16 (CommonJS)", type: "commonjs", module: "node16", resolution: "node16" },
    { name: "bundler", type: "module", module: "esnext", resolution: "bundler" },
    { name: "node10", type: "commonjs", module: "commonjs", resolution: "node10" },
  ];
  for (const r of resolutions) {
    step(`type-check a TypeScript consumer under ${r.name}`, () => {
      const dir = join(consumer, `ts-${r.resolution}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: r.type }));
      writeFileSync(join(dir, "index.ts"), tsSource);
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            module: r.module,
            moduleResolution: r.resolution,
            target: "es2022",
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ["node"],
            typeRoots: [typeRoots],
          },
          files: ["index.ts"],
        }),
      );
      run(process.execPath, [tsc, "-p", dir]);
    });
  }

  step("bundle a browser script (esbuild, platform browser)", () => {
    writeFileSync(
      join(consumer, "browser.js"),
      `import { tensor } from "@tensortape/core";
import { Linear } from "@tensortape/nn";
import { parseIdx } from "@tensortape/data";
const x = tensor([[1, 2]], { requiresGrad: true });
new Linear(2, 1).forward(x).sum().backward();
console.log(x.grad.toString(), typeof parseIdx);
`,
    );
    const out = join(consumer, "bundle.js");
    buildSync({
      entryPoints: [join(consumer, "browser.js")],
      absWorkingDir: consumer,
      bundle: true,
      minify: true,
      platform: "browser",
      format: "esm",
      outfile: out,
      logLevel: "error",
    });
    return `${(statSync(out).size / 1024).toFixed(0)} KiB minified`;
  });
  console.log("packages check passed");
} finally {
  rmSync(work, { recursive: true, force: true });
}
