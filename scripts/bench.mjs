// `pnpm bench [flags]`: installs the peer frameworks the benchmark compares against (TF.js
// and jax-js, into bench/peers, from its lockfile) on first use, then runs bench/index.ts. Keeping them
// out of the workspace keeps the main job's and the tests' install small.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const peers = join(root, "bench", "peers");

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The GPU benchmarks compare with the wasm backend only, so they need no peers installed.
const args = process.argv.slice(2);
const backendAt = args.indexOf("--backend");
if (backendAt >= 0 && args[backendAt + 1] === "webgpu") {
  run(
    process.execPath,
    [
      "--conditions=@tensortape/source",
      "--import",
      "tsx",
      join(root, "bench", "webgpu.ts"),
      ...args,
    ],
    { cwd: root },
  );
  process.exit(0);
}

// Installed again whenever a pinned peer is missing or at another version than package.json
// names, so that adding or upgrading a peer reaches checkouts that already have the others.
const pinned = JSON.parse(readFileSync(join(peers, "package.json"), "utf8")).dependencies;
const stale = Object.entries(pinned).some(([name, version]) => {
  const installed = join(peers, "node_modules", name, "package.json");
  return !existsSync(installed) || JSON.parse(readFileSync(installed, "utf8")).version !== version;
});
if (stale) {
  console.log("installing the benchmark's peer frameworks into bench/peers (once)...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  run(npm, ["ci", "--no-audit", "--no-fund", "--silent"], { cwd: peers });
}
// The adapters are excluded from the workspace's type-check, which runs without the peers.
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", peers]);
run(
  process.execPath,
  [
    "--conditions=@tensortape/source",
    "--import",
    "tsx",
    join(root, "bench", "index.ts"),
    ...process.argv.slice(2),
  ],
  { cwd: root },
);
