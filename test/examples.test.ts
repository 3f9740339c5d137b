/**
 * Every example runs in a quick mode, and what it prints is checked: the loss fell, the
 * accuracy clears a floor the quick mode reliably reaches, the checkpoint exists and loads.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "tensortape-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `pnpm example <name> ...args` the way the README does, returning stdout. */
function example(name: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, "scripts/example.mjs"), name, ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 240_000,
  });
}

/** The numbers after `label` on each line that has it, in order. */
function numbersAfter(output: string, label: RegExp): number[] {
  return [...output.matchAll(new RegExp(`${label.source}\\s*([\\d.]+)`, "g"))].map((m) =>
    Number(m[1]),
  );
}

describe("examples", () => {
  test("every example answers --help", () => {
    for (const name of [
      "quickstart",
      "xor",
      "regression",
      "mnist-mlp",
      "mnist-predict",
      "custom-op",
      "backprop-by-hand",
    ]) {
      expect(example(name, "--help")).toMatch(/^Usage: /);
    }
  });

  test("quickstart prints the gradients", () => {
    const out = example("quickstart");
    expect(out).toContain("∂loss/∂w = tensor(");
    expect(out).toContain("d²/dx² x³ at 2 = 12");
  });

  test("xor learns the truth table", () => {
    const out = example("xor");
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

  test("regression fits the function", () => {
    const out = example("regression", "--steps", "600");
    const mse = numbersAfter(out, /mse/);
    expect(mse.at(-1)!).toBeLessThan(mse[0]! / 5);
    expect(numbersAfter(out, /noise-free function:/)[0]!).toBeLessThan(0.5);
  });

  test("mnist-mlp trains quickly on a subset, saves a model, and mnist-predict loads it", () => {
    const model = join(scratch, "mnist.safetensors");
    const out = example("mnist-mlp", "--limit", "4000", "--epochs", "2", "--out", model);
    const losses = numbersAfter(out, /train loss/);
    expect(losses).toHaveLength(2);
    expect(losses[1]!).toBeLessThan(losses[0]!);
    expect(numbersAfter(out, /test accuracy:/)[0]!).toBeGreaterThan(88);
    expect(out).toContain("confusion matrix (test set):");
    expect(out).toMatch(/some misclassified test digits:/);
    expect(out).toContain(`saved the model to ${model}`);
    expect(existsSync(model)).toBe(true);

    const predicted = example("mnist-predict", "--model", model, "0", "1");
    expect(predicted).toContain("test image #0: label 7");
    expect(predicted).toContain("test image #1: label 2");
    expect(predicted.match(/%/g)?.length).toBe(20);
  });

  test("custom-op gradchecks its op and trains with it", () => {
    const out = example("custom-op");
    expect(out).toContain("gradcheck: passed=true");
    expect(out).toContain("gradgradcheck: passed=true");
    expect(out).toMatch(/differs from finite differences at index \[\d+, \d+\]/);
    expect(out).toMatch(/naiveSoftplus: forward produced Infinity/);
    const losses = numbersAfter(out, /loss/);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
  });

  test("backprop-by-hand reproduces every formula of the notes", () => {
    // It also exits non-zero if any correct formula is off (execFileSync would throw).
    const out = example("backprop-by-hand");
    expect(out).toMatch(/all \d+ formulas agree with the backward pass to 1e-9/);
  });
});
