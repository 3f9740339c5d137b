/**
 * Every example runs in a quick mode, and what it prints is checked: the loss fell, the
 * accuracy clears a floor the quick mode reliably reaches, the checkpoint exists and loads.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "tensortape-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);

/**
 * Runs `pnpm example <name> ...args` the way the README does, returning stdout. Asynchronous:
 * a synchronous child blocks this test worker's event loop, and on a busy machine the
 * runner's RPC then times out ("Timeout calling onTaskUpdate").
 */
async function example(name: string, ...args: string[]): Promise<string> {
  const file = join(root, "scripts/example.mjs");
  const options = { cwd: root, encoding: "utf8" as const, timeout: 240_000, maxBuffer: 64 << 20 };
  return (await execFileAsync(process.execPath, [file, name, ...args], options)).stdout;
}

/** The numbers after `label` on each line that has it, in order. */
function numbersAfter(output: string, label: RegExp): number[] {
  return [...output.matchAll(new RegExp(`${label.source}\\s*([\\d.]+)`, "g"))].map((m) =>
    Number(m[1]),
  );
}

// Each test may take as long as its children may (a synchronous test could not time out).
describe("examples", { timeout: 240_000 }, () => {
  test("every example answers --help", async () => {
    const names = [
      "quickstart",
      "xor",
      "regression",
      "mnist-mlp",
      "mnist-predict",
      "custom-op",
      "backprop-by-hand",
    ];
    const helps = await Promise.all(names.map((name) => example(name, "--help")));
    for (const help of helps) expect(help).toMatch(/^Usage: /);
  });

  test("quickstart prints the gradients", async () => {
    const out = await example("quickstart");
    expect(out).toContain("∂loss/∂w = tensor(");
    expect(out).toContain("d²/dx² x³ at 2 = 12");
  });

  test("xor learns the truth table", async () => {
    const out = await example("xor");
    const losses = numbersAfter(out, /loss/);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    for (const [a, b, expected] of [
      [0, 0, 0],
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ]) {
      expect(out).toMatch(
        new RegExp(` ${a}  ${b} \\|    ${expected}    \\| [\\d.]+ → ${expected}`),
      );
    }
  });

  test("regression fits the function", async () => {
    const out = await example("regression", "--steps", "600");
    const mse = numbersAfter(out, /mse/);
    expect(mse.at(-1)!).toBeLessThan(mse[0]! / 5);
    expect(numbersAfter(out, /noise-free function:/)[0]!).toBeLessThan(0.5);
  });

  test("mnist-mlp trains quickly on a subset, saves a model, and mnist-predict loads it", async () => {
    const model = join(scratch, "mnist.safetensors");
    const out = await example("mnist-mlp", "--limit", "4000", "--epochs", "2", "--out", model);
    const losses = numbersAfter(out, /train loss/);
    expect(losses).toHaveLength(2);
    expect(losses[1]!).toBeLessThan(losses[0]!);
    expect(numbersAfter(out, /test accuracy:/)[0]!).toBeGreaterThan(88);
    expect(out).toContain("confusion matrix (test set):");
    expect(out).toMatch(/some misclassified test digits:/);
    expect(out).toContain(`saved the model to ${model}`);
    expect(existsSync(model)).toBe(true);

    const predicted = await example("mnist-predict", "--model", model, "0", "1");
    expect(predicted).toContain("test image #0: label 7");
    expect(predicted).toContain("test image #1: label 2");
    expect(predicted.match(/%/g)?.length).toBe(20);
  });

  test("custom-op gradchecks its op and trains with it", async () => {
    const out = await example("custom-op");
    expect(out).toContain("gradcheck: passed=true");
    expect(out).toContain("gradgradcheck: passed=true");
    expect(out).toMatch(/differs from finite differences at index \[\d+, \d+\]/);
    expect(out).toMatch(/naiveSoftplus: forward produced Infinity/);
    const losses = numbersAfter(out, /loss/);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
  });

  test("backprop-by-hand reproduces every formula of the notes", async () => {
    // It also exits non-zero if any correct formula is off (example would reject).
    const out = await example("backprop-by-hand");
    expect(out).toMatch(/all \d+ formulas agree with the backward pass to 1e-9/);
  });
});
