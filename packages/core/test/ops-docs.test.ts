/**
 * docs/ops.md lists every built-in op once, beside its PyTorch counterpart, signature and
 * differences: an op added to `builtinOps` without its row (or a row left behind by a removed
 * op) fails here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { builtinOps } from "@tensortape/core";
import { describe, expect, test } from "vitest";

const doc = readFileSync(fileURLToPath(new URL("../../../docs/ops.md", import.meta.url)), "utf8");

/** The table rows: `| \`name\` | PyTorch | signature | differences |`, split into cells. */
const rows = doc
  .split("\n")
  .filter((line) => /^\| `[A-Za-z0-9]+` \|/.test(line))
  .map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
const documented = rows.map((cells) => cells[0]!.slice(1, -1));

describe("docs/ops.md", () => {
  test("has a row for every op in builtinOps", () => {
    const missing = Object.keys(builtinOps).filter((name) => !documented.includes(name));
    expect(missing, "ops without a row in docs/ops.md").toEqual([]);
  });

  test("documents no op that builtinOps lacks, and each op once", () => {
    expect(documented.filter((name) => !(name in builtinOps))).toEqual([]);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });

  test("fills every row's PyTorch name, signature and differences", () => {
    const incomplete = rows.filter((cells) => cells.length !== 4 || cells.some((c) => c === ""));
    expect(incomplete.map((cells) => cells[0])).toEqual([]);
  });
});
