// The README's GPU example, run as written (on SwiftShader under `pnpm test:gpu`).
import { getDefaultDevice, initBackend, randint, randn, setBackend } from "@tensortape/core";
import { crossEntropy, MLP } from "@tensortape/nn";
import { afterAll, expect, test } from "vitest";

afterAll(() => setBackend("wasm"));

test("the README's GPU example trains a step's gradients on the GPU", async () => {
  await initBackend("webgpu");
  const model = new MLP([784, 256, 10]).to("webgpu");
  const x = randn([64, 784]).to("webgpu");
  setBackend("webgpu");
  const labels = randint(0, 10, [64]);
  expect(labels.device).toBe("webgpu");
  expect(getDefaultDevice()).toBe("webgpu");

  const loss = crossEntropy(model.forward(x), labels);
  loss.backward();
  const [value] = await loss.read();
  expect(value).toBeGreaterThan(1);
  expect(value).toBeLessThan(4);
  for (const p of model.parameters()) {
    expect(p.grad!.device).toBe("webgpu");
    expect(p.grad!.abs().sum().item()).toBeGreaterThan(0);
  }
});
