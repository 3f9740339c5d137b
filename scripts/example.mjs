// Runs examples/<name>.ts straight from TypeScript: `pnpm example <name> [flags]`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (!name || name === "--help" || name === "-h") {
  console.log(
    `usage: pnpm example <name> [flags]   (each example takes --help)\n\nexamples:\n${examples.map((e) => `  ${e}`).join("\n")}`,
  );
  process.exit(name ? 0 : 1);
}
if (!examples.includes(name)) {
  console.error(`no example named "${name}"; there are: ${examples.join(", ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--conditions=@tensortape/source",
    "--import",
    "tsx",
    join(root, "examples", `${name}.ts`),
    ...args,
  ],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
