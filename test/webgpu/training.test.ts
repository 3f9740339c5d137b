/**
 * The device end to end: a model moved with `module.to("webgpu")` trains with the same code
 * as on the CPU, and its losses follow the wasm backend's step for step to float32 accuracy.
 * Run by `pnpm test:gpu` (SwiftShader where there is no GPU).
 */
import {
  conv2d,
  DeviceError,
  initBackend,
  manualSeed,
  maxPool2d,
  randint,
  randn,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { Adam, bceLoss, Conv2d, crossEntropy, Dense, LayerNorm, Module, SGD } from "@tensortape/nn";
import { beforeAll, expect, test } from "vitest";

beforeAll(async () => {
  await initBackend("webgpu");
});

class SmallNet extends Module {
  conv = new Conv2d(1, 4, 3, { padding: 1 });
  norm = new LayerNorm([4 * 4 * 4]);
  hidden = new Dense(64, 16);
  out = new Dense(16, 3);

  override forward(x: Tensor): Tensor {
    const h = maxPool2d(this.conv.forward(x).relu(), 2).flatten(1);
    return this.out.forward(this.hidden.forward(this.norm.forward(h)).tanh());
  }
}

function train(device: "cpu" | "webgpu", optimizer: "adam" | "sgd"): number[] {
  manualSeed(7);
  const model = new SmallNet().to(device);
  const x = randn([8, 1, 8, 8]).to(device);
  const y = randint(0, 3, [8]).to(device);
  const opt =
    optimizer === "adam"
      ? new Adam(model.parameters(), { lr: 0.01, weightDecay: 1e-3 })
      : new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
  const losses: number[] = [];
  for (let step = 0; step < 12; step++) {
    const loss = crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  for (const p of model.parameters()) expect(p.device).toBe(device);
  return losses;
}

for (const optimizer of ["adam", "sgd"] as const) {
  test(`a conv net trained with ${optimizer} on the GPU follows the CPU's losses`, () => {
    const cpu = train("cpu", optimizer);
    const gpu = train("webgpu", optimizer);
    expect(cpu[cpu.length - 1]!).toBeLessThan(cpu[0]! * 0.7);
    for (let i = 0; i < cpu.length; i++) {
      expect(Math.abs(gpu[i]! - cpu[i]!)).toBeLessThanOrEqual(
        2e-4 * Math.max(1, Math.abs(cpu[i]!)),
      );
    }
  });
}

test("data moves both ways, reads sync and async, and gradients flow back across devices", async () => {
  const a = tensor([
    [1, 2],
    [3, 4],
  ]).requireGrad();
  const onGpu = a.to("webgpu");
  expect(onGpu.device).toBe("webgpu");
  const y = onGpu.mul(onGpu).sum();
  expect(y.item()).toBe(30);
  expect(Array.from(await onGpu.read())).toEqual([1, 2, 3, 4]);
  expect(await onGpu.toArrayAsync()).toEqual([
    [1, 2],
    [3, 4],
  ]);
  y.backward();
  expect(a.grad!.device).toBe("cpu");
  expect(a.grad!.toArray()).toEqual([
    [2, 4],
    [6, 8],
  ]);
  const back = onGpu.to("cpu");
  expect(back.device).toBe("cpu");
  expect(back.toArray()).toEqual([
    [1, 2],
    [3, 4],
  ]);
  expect(String(onGpu.detach())).toContain("[[1.0000, 2.0000],");
});

test("mixing devices is a DeviceError naming both; float64 cannot move to the GPU", () => {
  const gpu = randn([2, 2], { device: "webgpu" });
  const cpu = randn([2, 2]);
  expect(() => gpu.add(cpu)).toThrow(DeviceError);
  expect(() => gpu.add(cpu)).toThrow(
    "add: expects all tensors on one device; input 0 is on webgpu and input 1 on cpu",
  );
  // A CPU scalar (a number, a 0-d tensor) joins a GPU op, as in PyTorch.
  expect(gpu.mul(tensor(2)).sub(gpu).sub(gpu).abs().max().item()).toBe(0);
  expect(() => randn([2], { dtype: "float64" }).to("webgpu")).toThrow(
    "to: the webgpu device cannot hold float64 tensors",
  );
  expect(() => conv2d(randn([1, 1, 3, 3], { device: "webgpu" }), randn([1, 1, 2, 2]))).toThrow(
    DeviceError,
  );
});

test("short-lived GPU tensors are given back to the pool as they are collected", async () => {
  // 800 MB allocated in all, 1 MB at a time: without reuse the driver's memory (host memory on
  // SwiftShader, in this process) would grow by about that much. Handles are finalized between
  // tasks, so the loop yields now and then, as a training loop that awaits its data does.
  const start = randn([256, 1024], { device: "webgpu" });
  let x = start;
  x.sum().item();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 800; i++) {
    x = x.add(1);
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // Every step added 1 to the first tensor's values (float32 rounding aside).
  expect(x.sub(start).sub(800).abs().max().item()).toBeLessThan(0.05);
  const grown = process.memoryUsage().rss - before;
  expect(grown).toBeLessThan(400 * 2 ** 20);
});

test("a bad index found on the GPU is a ValueError naming the op at the next read", () => {
  const x = randn([3, 4], { device: "webgpu" });
  const index = tensor([[0], [5], [1]], { dtype: "int32" }).to("webgpu");
  // No wait at the call: the check's answer stays on the device…
  const picked = x.gather(1, index);
  // …until something is read.
  expect(() => picked.sum().item()).toThrow(
    "gather: an index is out of range for axis 1 of size 4 (shape [3, 4]) (found on the device, reported at this read)",
  );
  // Reported once: the next read carries on.
  expect(x.gather(1, tensor([[0], [1], [2]], { dtype: "int32" }).to("webgpu")).shape).toEqual([
    3, 1,
  ]);
  expect(Number.isFinite(x.sum().item())).toBe(true);
  const logits = randn([2, 3], { device: "webgpu" });
  const target = tensor([0, 7], { dtype: "int32" }).to("webgpu");
  const loss = crossEntropy(logits, target);
  expect(() => loss.item()).toThrow(/crossEntropy: a target is not a class index in \[0, 3\)/);
  // bceLoss checks its probabilities there too, with no read at the call.
  const probabilities = tensor([0.5, 1.5]).to("webgpu");
  const bce = bceLoss(probabilities, tensor([0, 1]).to("webgpu"));
  expect(() => bce.item()).toThrow(/bceLoss: every input must be a probability in \[0, 1\]/);
  expect(bceLoss(tensor([0.25, 1]).to("webgpu"), tensor([0, 1]).to("webgpu")).item()).toBeCloseTo(
    -Math.log(0.75) / 2,
    5,
  );
});
