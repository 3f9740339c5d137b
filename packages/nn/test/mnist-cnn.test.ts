// PyTorch's MNIST example network (pytorch/examples, mnist/main.py), written by PyTorch with
// safetensors (fixtures/mnist-cnn/reference.py), loads unchanged into the same layers under
// the same names and predicts PyTorch's log-probabilities to float32 precision.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  flatten,
  logSoftmax,
  maxPool2d,
  noGrad,
  relu,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { Conv2d, Dense, Dropout, Module, nllLoss, SGD } from "@tensortape/nn";
import { loadSafetensors } from "@tensortape/nn/node";
import { describe, expect, test } from "vitest";

/** The network of PyTorch's example, line for line. */
class Net extends Module {
  conv1 = new Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Dense(9216, 128);
  fc2 = new Dense(128, 10);

  override forward(x: Tensor): Tensor {
    let h = relu(this.conv1.forward(x));
    h = relu(this.conv2.forward(h));
    h = this.dropout1.forward(maxPool2d(h, 2));
    h = flatten(h, 1);
    h = this.dropout2.forward(relu(this.fc1.forward(h)));
    return logSoftmax(this.fc2.forward(h), 1);
  }
}

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/mnist-cnn/${name}`, import.meta.url));

describe("PyTorch's MNIST example network", () => {
  test("its safetensors file loads unchanged and predicts PyTorch's log-probabilities", async () => {
    const { tensors } = await loadSafetensors(fixture("net.safetensors"));
    const net = new Net();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(net.stateDict()).sort());
    expect(net.loadStateDict(tensors)).toEqual({ missing: [], unexpected: [] });
    net.eval();
    const reference = JSON.parse(readFileSync(fixture("logits.json"), "utf8")) as {
      inputShape: number[];
      inputs: number[];
      logProbabilities: number[][];
    };
    const x = tensor(reference.inputs, { shape: reference.inputShape });
    const out = noGrad(() => net.forward(x));
    expect(out.shape).toEqual([3, 10]);
    // float32 through 9216-term sums: agreement to a few units in the 6th digit.
    assertClose(out, reference.logProbabilities, { atol: 2e-5, rtol: 1e-5 });
  });

  test("the loaded network trains: gradients reach every layer, and one step lowers the loss", async () => {
    const { tensors } = await loadSafetensors(fixture("net.safetensors"));
    const net = new Net();
    net.loadStateDict(tensors);
    // Without dropout, so that the two losses see the same network.
    net.eval();
    const reference = JSON.parse(readFileSync(fixture("logits.json"), "utf8")) as {
      inputShape: number[];
      inputs: number[];
    };
    const x = tensor(reference.inputs, { shape: reference.inputShape });
    const y = tensor([3, 1, 7], { dtype: "int32" });
    const optimizer = new SGD(net.parameters(), { lr: 0.01 });
    const before = nllLoss(net.forward(x), y);
    before.backward();
    for (const [name, p] of net.namedParameters()) {
      expect(p.grad?.shape, name).toEqual(p.shape);
    }
    optimizer.step();
    expect(noGrad(() => nllLoss(net.forward(x), y)).item()).toBeLessThan(before.item());
  });
});
