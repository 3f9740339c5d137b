// @tensortape/nn/node: safetensors files and checkpoints by path (Node only: uses node:fs).
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Tensor } from "@tensortape/core";
import {
  type CheckpointParts,
  restoreCheckpoint,
  serializeCheckpoint,
} from "./checkpoint/checkpoint.js";
import {
  deserializeSafetensors,
  type SafetensorsContents,
  serializeSafetensors,
} from "./checkpoint/safetensors.js";

/** Writes through a temporary file and a rename, so a crash never leaves a truncated file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Saves tensors to a safetensors file that Python's `safetensors.torch.load_file` reads.
 * @example await saveSafetensors("model.safetensors", model.stateDict());
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeAtomically(path, serializeSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file (for example one written by `safetensors.torch.save_file`),
 * validating all of it; errors name the file.
 * @example model.loadStateDict((await loadSafetensors("model.safetensors")).tensors);
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  return deserializeSafetensors(await readFile(path), { source: path });
}

/**
 * Saves a model, optimizer and scheduler to one checkpoint file.
 * @example await saveCheckpoint("run.ckpt.safetensors", { model, optimizer, scheduler }, { epoch: "3" });
 */
export async function saveCheckpoint(
  path: string,
  parts: CheckpointParts,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeAtomically(path, serializeCheckpoint(parts, metadata));
}

/**
 * Restores a checkpoint file into a model, optimizer and scheduler (all or nothing) and
 * returns its user metadata.
 * @example const { epoch } = await loadCheckpoint("run.ckpt.safetensors", { model, optimizer });
 */
export async function loadCheckpoint(
  path: string,
  parts: CheckpointParts,
): Promise<Record<string, string>> {
  return restoreCheckpoint(await readFile(path), parts, { source: path });
}
