/**
 * The main job at its defaults: real MNIST, the default MLP and schedule, all 60 000 training
 * images for the default number of epochs. It must reach at least 98.0 % test accuracy.
 * About 30 s on a 2-core machine with the WebAssembly backend.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";

test("mnist-mlp with default settings reaches ≥ 98.0 % test accuracy", () => {
  const root = join(import.meta.dirname, "..");
  const scratch = mkdtempSync(join(tmpdir(), "tensortape-mnist-"));
  try {
    const out = execFileSync(
      process.execPath,
      [join(root, "scripts/example.mjs"), "mnist-mlp", "--out", join(scratch, "model.safetensors")],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 900_000 },
    );
    const accuracy = Number(/test accuracy: ([\d.]+)%/.exec(out)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(98.0);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, 900_000);
