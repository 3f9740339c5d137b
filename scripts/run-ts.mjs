// Runs any TypeScript file against the packages' current sources, with no build step and
// never a stale dist/: `pnpm run-ts path/to/file.ts [args]`. The "@tensortape/source" export
// condition points each @tensortape/* import at src/, and tsx compiles on the fly.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [file, ...args] = process.argv.slice(2);
if (!file || file === "--help" || file === "-h") {
  console.log(
    "usage: pnpm run-ts <file.ts> [args]\n\nRuns the file with @tensortape/* imports resolved to the packages' TypeScript sources.",
  );
  process.exit(file ? 0 : 1);
}
// pnpm runs scripts from the workspace root; INIT_CWD is where the user typed the command.
const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
if (!existsSync(path)) {
  console.error(`run-ts: no file at ${path}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--conditions=@tensortape/source",
    "--import",
    "tsx",
    "--import",
    join(dirname(fileURLToPath(import.meta.url)), "workspace-resolve.mjs"),
    path,
    ...args,
  ],
  {
    stdio: "inherit",
    // A file outside any ES module package is compiled as CommonJS, whose require() finds
    // packages through NODE_PATH rather than the resolution hook.
    env: {
      ...process.env,
      NODE_PATH: [
        join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules"),
        process.env.NODE_PATH,
      ]
        .filter(Boolean)
        .join(delimiter),
    },
  },
);
process.exit(result.status ?? 1);
