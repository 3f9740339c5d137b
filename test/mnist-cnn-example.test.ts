/**
 * The mnist-cnn example in a quick mode, as examples.test.ts runs the others: it trains on a
 * few hundred digits, prints what the full run prints, saves a checkpoint with PyTorch's
 * names, and mnist-predict recognises and loads that checkpoint.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadSafetensors } from "@tensortape/nn/node";
import { afterAll, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "tensortape-mnist-cnn-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);

/**
 * Runs `pnpm example <name> ...args` the way the README does, returning stdout. Asynchronous:
 * a synchronous child of half a minute would block the test worker's messages to the runner.
 */
async function example(name: string, ...args: string[]): Promise<string> {
  const options = { cwd: root, encoding: "utf8" as const, timeout: 240_000 };
  const file = join(root, "scripts/example.mjs");
  return (await execFileAsync(process.execPath, [file, name, ...args], options)).stdout;
}

test("mnist-cnn trains on a subset, saves PyTorch's names, and mnist-predict loads it", async () => {
  expect(await example("mnist-cnn", "--help")).toMatch(/^Usage: mnist-cnn/);
  const model = join(scratch, "cnn.safetensors");
  const out = await example(
    "mnist-cnn",
    ...["--limit", "512", "--epochs", "1", "--batch-size", "32", "--test-limit", "200"],
    ...["--out", model],
  );
  const accuracy = Number(/test accuracy: ([\d.]+)% on 200 images after 1 epochs/.exec(out)?.[1]);
  // 16 steps of Adam take the network well past chance (10 %) on held-out digits.
  expect(accuracy).toBeGreaterThan(40);
  expect(out).toContain("confusion matrix (test set):");
  expect(out).toContain(`saved the model to ${model}`);
  expect(existsSync(model)).toBe(true);
  const { tensors, metadata } = await loadSafetensors(model);
  expect(Object.keys(tensors).sort()).toEqual([
    "conv1.bias",
    "conv1.weight",
    "conv2.bias",
    "conv2.weight",
    "fc1.bias",
    "fc1.weight",
    "fc2.bias",
    "fc2.weight",
  ]);
  expect(tensors["conv2.weight"]!.shape).toEqual([64, 32, 3, 3]);
  expect(metadata.model).toBe("mnist-cnn");

  const predicted = await example("mnist-predict", "--model", model, "0", "1");
  expect(predicted).toContain("CNN (PyTorch's MNIST example)");
  expect(predicted).toContain("test image #0: label 7");
  expect(predicted).toContain("test image #1: label 2");
  expect(predicted.match(/%/g)?.length).toBe(20);
}, 240_000);
