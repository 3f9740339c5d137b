import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualSeed, randn, type Tensor, tensor, ValueError } from "@tensortape/core";
import {
  Adam,
  CosineAnnealingLR,
  deserializeSafetensors,
  MLP,
  mseLoss,
  restoreCheckpoint,
  SafetensorsError,
  StateDictError,
  serializeCheckpoint,
  serializeSafetensors,
} from "@tensortape/nn";
import { loadCheckpoint, saveCheckpoint } from "@tensortape/nn/node";
import { describe, expect, test } from "vitest";

function setup(seed: number) {
  manualSeed(seed);
  const model = new MLP([3, 8, 1]);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new CosineAnnealingLR(optimizer, 10);
  return { model, optimizer, scheduler };
}

function trainStep(parts: ReturnType<typeof setup>, x: Tensor, y: Tensor): void {
  parts.optimizer.zeroGrad();
  mseLoss(parts.model.forward(x), y).backward();
  parts.optimizer.step();
  parts.scheduler.step();
}

const x = randn([16, 3]);
const y = randn([16, 1]);

describe("checkpoints", () => {
  test("a run resumed from a checkpoint continues exactly as the original", () => {
    const original = setup(1);
    for (let i = 0; i < 3; i++) trainStep(original, x, y);
    const bytes = serializeCheckpoint(original, { epoch: "3" });
    const resumed = setup(2);
    expect(restoreCheckpoint(bytes, resumed)).toEqual({ epoch: "3" });
    expect(resumed.scheduler.lastEpoch).toBe(3);
    for (let i = 0; i < 3; i++) {
      trainStep(original, x, y);
      trainStep(resumed, x, y);
    }
    for (const [name, t] of Object.entries(original.model.stateDict())) {
      expect(Array.from(resumed.model.stateDict()[name]!.data)).toEqual(Array.from(t.data));
    }
    expect(resumed.optimizer.paramGroups[0]!.lr).toBe(original.optimizer.paramGroups[0]!.lr);
  });

  test("the file is plain safetensors: model tensors prefixed, optimizer numbers in metadata", () => {
    const parts = setup(3);
    trainStep(parts, x, y);
    const { tensors, metadata } = deserializeSafetensors(serializeCheckpoint(parts));
    expect(Object.keys(tensors).filter((n) => n.startsWith("model."))).toEqual(
      expect.arrayContaining(["model.layers.0.weight", "model.layers.1.bias"]),
    );
    expect(tensors["optimizer.state.0.expAvg"]!.shape).toEqual([8, 3]);
    expect(metadata.format).toBe("tensortape.checkpoint");
    expect(JSON.parse(metadata.optimizer!).state["0"]).toEqual({ step: 1 });
    expect(JSON.parse(metadata.scheduler!)).toEqual({ tMax: 10, etaMin: 0, lastEpoch: 1 });
  });

  test("a mismatch in any part puts every part back as it was", () => {
    const saved = setup(4);
    trainStep(saved, x, y);
    const bytes = serializeCheckpoint(saved);
    // Same model, but an optimizer over a different parameter list.
    manualSeed(5);
    const model = new MLP([3, 8, 1]);
    const optimizer = new Adam([model.layers[0]!.weight]);
    const before = model.stateDict();
    expect(() => restoreCheckpoint(bytes, { model, optimizer })).toThrow(ValueError);
    for (const [name, t] of Object.entries(model.stateDict())) {
      expect(Array.from(t.data)).toEqual(Array.from(before[name]!.data));
    }
    const wrongModel = new MLP([3, 4, 1]);
    expect(() => restoreCheckpoint(bytes, { model: wrongModel })).toThrow(StateDictError);
  });

  test("not a checkpoint, missing parts and reserved metadata are errors", () => {
    const plain = serializeSafetensors({ w: tensor([1]) });
    expect(() => restoreCheckpoint(plain, {})).toThrow(
      'restoreCheckpoint: not a checkpoint: its metadata has no format "tensortape.checkpoint"',
    );
    const modelOnly = serializeCheckpoint({ model: setup(6).model });
    expect(() => restoreCheckpoint(modelOnly, { optimizer: setup(6).optimizer })).toThrow(
      SafetensorsError,
    );
    expect(() => restoreCheckpoint(modelOnly, { optimizer: setup(6).optimizer })).toThrow(
      "the checkpoint holds no optimizer state",
    );
    expect(() => serializeCheckpoint({}, { format: "x" })).toThrow(
      'metadata key "format" is reserved',
    );
  });

  test("saveCheckpoint and loadCheckpoint by path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tensortape-nn-"));
    try {
      const path = join(dir, "run.safetensors");
      const a = setup(7);
      trainStep(a, x, y);
      await saveCheckpoint(path, a, { note: "hi" });
      const b = setup(8);
      expect(await loadCheckpoint(path, b)).toEqual({ note: "hi" });
      expect(Array.from(b.model.layers[1]!.weight.data)).toEqual(
        Array.from(a.model.layers[1]!.weight.data),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
