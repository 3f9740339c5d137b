/**
 * The char-gpt example in a quick mode, as examples.test.ts runs the others: a tiny GPT trains
 * for a few dozen steps on Moby-Dick and its validation loss falls, the checkpoint holds the
 * weights with the vocabulary and the model's shape, and `--generate` rebuilds the model from
 * it and continues a prompt. The LSTM trains through the same script.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CharVocabulary } from "@tensortape/data";
import { loadSafetensors } from "@tensortape/nn/node";
import { afterAll, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "tensortape-char-gpt-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);

/**
 * Runs `pnpm example char-gpt ...args` the way the README does, returning stdout. Asynchronous:
 * a synchronous child of seconds to minutes would block the test worker's messages to the runner.
 */
async function charGpt(...args: string[]): Promise<string> {
  const options = { cwd: root, encoding: "utf8" as const, timeout: 240_000 };
  const file = join(root, "scripts/example.mjs");
  return (await execFileAsync(process.execPath, [file, "char-gpt", ...args], options)).stdout;
}

/** The validation losses printed at each evaluation, in order. */
const validationLosses = (output: string) =>
  [...output.matchAll(/step \d+\/\d+ {2}train loss [\d.]+ {2}validation loss ([\d.]+)/g)].map((m) =>
    Number(m[1]),
  );

const tiny = ["--width", "32", "--heads", "2", "--layers", "1", "--context", "16"];
const quick = ["--batch-size", "16", "--lr", "1e-2", "--warmup", "5", "--sample-length", "20"];

test("a tiny GPT learns, saves a checkpoint, and --generate continues a prompt from it", async () => {
  expect(await charGpt("--help")).toMatch(/^Usage: char-gpt/);
  const model = join(scratch, "gpt.safetensors");
  const out = await charGpt(
    ...tiny,
    ...quick,
    "--steps",
    "40",
    "--eval-interval",
    "20",
    "--out",
    model,
  );

  // Untrained, the loss is about ln 81 ≈ 4.39 (81 characters equally likely); 40 steps take
  // it well below that, and the second evaluation is below the first.
  const losses = validationLosses(out);
  expect(losses).toHaveLength(2);
  expect(losses[1]!).toBeLessThan(losses[0]!);
  expect(losses[1]!).toBeLessThan(3.6);
  expect(out).toMatch(/validation loss: [\d.]+ nats per character/);
  expect(out).toContain("training loss (mean of every");
  expect(out).toContain(`saved the model to ${model}`);
  expect(existsSync(model)).toBe(true);

  // The weights under model.*, the head sharing the token embedding's (so saved once), and
  // what --generate needs in the metadata.
  const { tensors, metadata } = await loadSafetensors(model);
  expect(tensors["model.tokenEmbedding.weight"]!.shape).toEqual([81, 32]);
  expect(tensors["model.positionEmbedding.weight"]!.shape).toEqual([16, 32]);
  expect(tensors["model.blocks.0.attn.qkv.weight"]!.shape).toEqual([96, 32]);
  expect(tensors["model.head.weight"]).toBeUndefined();
  expect(JSON.parse(metadata.config!)).toMatchObject({ kind: "gpt", width: 32, layers: 1 });
  expect(CharVocabulary.fromJSON(metadata.vocabulary!).size).toBe(81);
  expect(Number(metadata.validationLoss)).toBeCloseTo(losses[1]!, 4);

  const generated = await charGpt("--generate", "Call me", "--checkpoint", model, "--length", "30");
  expect(generated).toContain(`validation loss ${metadata.validationLoss}`);
  const text = generated.split("\n\n")[1]!.replace(/\n$/, "");
  expect(text.startsWith("Call me")).toBe(true);
  expect([...text].length).toBe("Call me".length + 30);
  // The same seed draws the same characters.
  expect(await charGpt("--generate", "Call me", "--checkpoint", model, "--length", "30")).toBe(
    generated,
  );
}, 240_000);

test("the LSTM trains through the same script", async () => {
  const model = join(scratch, "lstm.safetensors");
  const out = await charGpt(
    ...["--model", "lstm", "--width", "32", "--context", "16"],
    ...quick,
    ...["--steps", "30", "--eval-interval", "15", "--out", model],
  );
  expect(out).toMatch(/model: LSTM, 2 layers of 32/);
  const losses = validationLosses(out);
  expect(losses).toHaveLength(2);
  expect(losses[1]!).toBeLessThan(losses[0]!);
  expect(existsSync(model)).toBe(true);
}, 240_000);
