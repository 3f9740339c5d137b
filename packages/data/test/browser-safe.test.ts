import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** The relative and package imports of one source file. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), "utf8");
  return [...text.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
}

describe("the browser-safe entry", () => {
  test("imports no Node-only module, directly or through its own files", () => {
    const seen = new Set<string>();
    const pending = ["index.ts"];
    const external: string[] = [];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith("./")) pending.push(spec.slice(2).replace(/\.js$/, ".ts"));
        else external.push(spec);
      }
    }
    // The walk reached the parsers and the gzip code, so it checked what matters.
    expect(seen).toContain("gzip.ts");
    expect(seen).toContain("idx.ts");
    expect(seen).not.toContain("node.ts");
    expect([...new Set(external)]).toEqual(["@tensortape/core"]);
  });
});
