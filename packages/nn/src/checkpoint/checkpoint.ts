import { checkOptions, type Tensor, ValueError } from "@tensortape/core";
import { SafetensorsError } from "../errors.js";
import type { Module, StateDict } from "../module.js";
import { isRecord } from "../optim/check.js";
import type { OptimizerStateDict } from "../optim/optimizer.js";
import type { SchedulerStateDict } from "../optim/schedules/lr-scheduler.js";
import {
  type DeserializeOptions,
  deserializeSafetensors,
  serializeSafetensors,
} from "./safetensors.js";

/** What a training run needs to resume: any of a model, its optimizer and its scheduler. */
export interface CheckpointParts {
  /** The model, saved and restored through its state dict. */
  readonly model?: Module;
  /** The optimizer (any with a state dict), for its hyperparameters and per-parameter state. */
  readonly optimizer?: {
    /** The optimizer's state to save. */
    stateDict(): OptimizerStateDict;
    /** Restores state saved by `stateDict`. */
    loadStateDict(state: OptimizerStateDict): void;
  };
  /** The learning-rate scheduler, for the epoch it has reached. */
  readonly scheduler?: {
    /** The scheduler's state to save. */
    stateDict(): SchedulerStateDict;
    /** Restores state saved by `stateDict`. */
    loadStateDict(state: SchedulerStateDict): void;
  };
}

const FORMAT = "tensortape.checkpoint";
const RESERVED = ["format", "optimizer", "scheduler"];
const PARTS = ["model", "optimizer", "scheduler"];

/**
 * Encodes a model, optimizer and scheduler as one safetensors file: the model's tensors as
 * `model.<name>`, the optimizer's moment tensors as `optimizer.state.<i>.<key>`, and the
 * optimizer's step counts and hyperparameters and the scheduler's step as JSON in the
 * metadata, beside your own string `metadata`.
 * @example const bytes = serializeCheckpoint({ model, optimizer, scheduler }, { epoch: "12" });
 */
export function serializeCheckpoint(
  parts: CheckpointParts,
  metadata: Record<string, string> = {},
): Uint8Array {
  checkOptions("serializeCheckpoint", parts, PARTS);
  for (const key of RESERVED) {
    if (key in metadata) {
      throw new ValueError(
        "serializeCheckpoint",
        `metadata key "${key}" is reserved for the checkpoint itself`,
      );
    }
  }
  const tensors: Record<string, Tensor> = {};
  const meta: Record<string, string> = { ...metadata, format: FORMAT };
  if (parts.model) {
    for (const [name, t] of Object.entries(parts.model.stateDict())) tensors[`model.${name}`] = t;
  }
  if (parts.optimizer) {
    const { state, paramGroups } = parts.optimizer.stateDict();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [index, entry] of Object.entries(state)) {
      numbers[index] = {};
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value === "number") numbers[index][key] = value;
        else tensors[`optimizer.state.${index}.${key}`] = value;
      }
    }
    meta.optimizer = JSON.stringify({ state: numbers, paramGroups });
  }
  if (parts.scheduler) meta.scheduler = JSON.stringify(parts.scheduler.stateDict());
  return serializeSafetensors(tensors, meta);
}

/**
 * Loads a checkpoint written by `serializeCheckpoint` into the given parts and returns its
 * user metadata. The file is validated in full first, and if any part does not match (names,
 * shapes, dtypes), every part is put back as it was before the error is thrown: a model is
 * never left half-loaded.
 * @example const { epoch } = restoreCheckpoint(bytes, { model, optimizer, scheduler });
 */
export function restoreCheckpoint(
  bytes: Uint8Array | ArrayBuffer,
  parts: CheckpointParts,
  options: DeserializeOptions = {},
): Record<string, string> {
  const op = "restoreCheckpoint";
  checkOptions(op, parts, PARTS);
  checkOptions(op, options, ["source"]);
  const fail = (problem: string): never => {
    throw new SafetensorsError(op, problem, options.source);
  };
  const { tensors, metadata } = deserializeSafetensors(bytes, options);
  if (metadata.format !== FORMAT) fail(`not a checkpoint: its metadata has no format "${FORMAT}"`);
  const parse = <T>(key: string): T => {
    const text = metadata[key];
    if (text === undefined) return fail(`the checkpoint holds no ${key} state`);
    try {
      return JSON.parse(text) as T;
    } catch {
      return fail(`the ${key} metadata is not valid JSON`);
    }
  };
  const modelState: StateDict = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith("model.")) modelState[name.slice("model.".length)] = t;
  }
  // The optimizer's and scheduler's states go to their loadStateDict as the file has them,
  // whatever they are: it checks every field, as their constructors do, and names the bad one.
  let optimizerState: unknown;
  if (parts.optimizer) {
    const saved = parse<unknown>("optimizer");
    optimizerState = saved;
    if (isRecord(saved) && isRecord(saved.state)) {
      // Step counts are in the metadata, tensors in the file: put each entry together.
      const state: Record<string, unknown> = {};
      for (const [index, numbers] of Object.entries(saved.state)) {
        state[index] = isRecord(numbers) ? { ...numbers } : numbers;
      }
      for (const [name, t] of Object.entries(tensors)) {
        const match = /^optimizer\.state\.(\d+)\.(.+)$/.exec(name);
        if (!match) continue;
        const entry = state[match[1]!] ?? {};
        if (isRecord(entry)) entry[match[2]!] = t;
        state[match[1]!] = entry;
      }
      optimizerState = { ...saved, state };
    }
  }
  const schedulerState = parts.scheduler ? parse<unknown>("scheduler") : undefined;

  const before = {
    model: parts.model?.stateDict(),
    optimizer: parts.optimizer?.stateDict(),
    scheduler: parts.scheduler?.stateDict(),
  };
  try {
    parts.model?.loadStateDict(modelState);
    parts.optimizer?.loadStateDict(optimizerState as OptimizerStateDict);
    parts.scheduler?.loadStateDict(schedulerState as SchedulerStateDict);
  } catch (error) {
    if (before.model) parts.model?.loadStateDict(before.model);
    if (before.optimizer) parts.optimizer?.loadStateDict(before.optimizer);
    if (before.scheduler) parts.scheduler?.loadStateDict(before.scheduler);
    throw error;
  }
  const user: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata))
    if (!RESERVED.includes(key)) user[key] = value;
  return user;
}
