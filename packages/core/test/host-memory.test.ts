/**
 * The allocator's preparation for large tensors (src/host-memory.ts): in a fresh process, a
 * first tensor of a megabyte or more leaves glibc reusing freed multi-megabyte blocks rather
 * than asking the kernel for new pages, so batches of arrays made and freed as a training
 * step makes them cost far fewer page faults than in a process that made no tensor first.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const child = fileURLToPath(new URL("./fixtures/host-memory-child.ts", import.meta.url));

function run(prepare: boolean): { faults: number; prepared: boolean } {
  const result = spawnSync(
    process.execPath,
    ["--conditions=@tensortape/source", "--import", "tsx", child],
    { env: { ...process.env, PREPARE: prepare ? "1" : "0" }, encoding: "utf8" },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
}

test("a first large tensor prepares glibc's allocator: freed blocks are reused, not faulted in again", () => {
  const plain = run(false);
  const prepared = run(true);
  expect(plain.prepared).toBe(false);
  expect(prepared.prepared).toBe(true);
  // 36 arrays of 2,048 pages each: about 26,700 faults unprepared here, 14,300 prepared
  // (the first batch's, then little).
  expect(prepared.faults).toBeLessThan(0.75 * plain.faults);
});
