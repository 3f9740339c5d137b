/**
 * One Adam training step of PyTorch's MNIST example network at batch 64 (conv 1→32 3×3, relu,
 * conv 32→64 3×3, relu, max-pool 2, flatten, dense 9216→128, relu, dense 128→10, the negative
 * log-likelihood of log-softmax), written with tensortape's ops as a user would: the workload
 * of `bench/conv.ts` and of `pnpm bench`'s conv section.
 */
import {
  conv2d,
  Generator,
  gather,
  logSoftmax,
  matmul,
  maxPool2d,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { randomTensor } from "@tensortape/core/testing";
import { Adam } from "@tensortape/nn";

/** The batch size PyTorch's MNIST example trains with. */
export const CONV_BATCH = 64;

/** A fresh network, input batch and optimizer; the returned step returns the loss. */
export function convStep(): () => number {
  const batch = CONV_BATCH;
  let seed = 1;
  // PyTorch's default initialisation bound for a layer of `fanIn` inputs: U(±1/√fanIn).
  const param = (shape: number[], fanIn: number) =>
    randomTensor(shape, {
      seed: seed++,
      dtype: "float32",
      low: -1 / Math.sqrt(fanIn),
      high: 1 / Math.sqrt(fanIn),
    }).requireGrad();
  const w1 = param([32, 1, 3, 3], 9);
  const b1 = param([32], 9);
  const w2 = param([64, 32, 3, 3], 288);
  const b2 = param([64], 288);
  const w3 = param([128, 9216], 9216);
  const b3 = param([128], 9216);
  const w4 = param([10, 128], 128);
  const b4 = param([10], 128);
  const optimizer = new Adam([w1, b1, w2, b2, w3, b3, w4, b4], { lr: 1e-3 });
  const x = randomTensor([batch, 1, 28, 28], { seed: 99, dtype: "float32", low: 0, high: 1 });
  const generator = new Generator(5);
  const labels = tensor(
    Array.from({ length: batch }, () => generator.integer(0, 10)),
    { dtype: "int32", shape: [batch, 1] },
  );
  const forward = (input: Tensor): Tensor => {
    let h = conv2d(input, w1, b1).relu();
    h = conv2d(h, w2, b2).relu();
    h = maxPool2d(h, 2).reshape([batch, 9216]);
    h = matmul(h, w3, { transB: true }).add(b3).relu();
    const logits = matmul(h, w4, { transB: true }).add(b4);
    return gather(logSoftmax(logits, 1), 1, labels).mean().neg();
  };
  return () => {
    optimizer.zeroGrad();
    const loss = forward(x);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
}
