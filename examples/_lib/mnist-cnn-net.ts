// The convolutional network of PyTorch's MNIST example (pytorch/examples, mnist/main.py),
// shared by the mnist-cnn and mnist-predict examples. Its fields carry PyTorch's module
// names, so its state dict has the same keys as PyTorch's (conv1.weight, ..., fc2.bias) and
// checkpoints move between the two unchanged.
import { flatten, logSoftmax, maxPool2d, relu, type Tensor } from "@tensortape/core";
import { Conv2d, Dense, Dropout, Module } from "@tensortape/nn";

/**
 * conv 1→32 3×3, relu, conv 32→64 3×3, relu, max-pool 2, dropout 0.25, flatten,
 * linear 9216→128, relu, dropout 0.5, linear 128→10, log-softmax.
 * x: [N, 1, 28, 28] → log-probabilities [N, 10]
 */
export class MnistCnn extends Module {
  conv1 = new Conv2d(1, 32, 3);
  conv2 = new Conv2d(32, 64, 3);
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Dense(9216, 128);
  fc2 = new Dense(128, 10);

  override forward(x: Tensor): Tensor {
    let h = relu(this.conv1.forward(x)); // [N, 32, 26, 26]
    h = relu(this.conv2.forward(h)); // [N, 64, 24, 24]
    h = this.dropout1.forward(maxPool2d(h, 2)); // [N, 64, 12, 12]
    h = relu(this.fc1.forward(flatten(h, 1))); // [N, 128]
    return logSoftmax(this.fc2.forward(this.dropout2.forward(h)), 1);
  }
}

/** Whether a checkpoint's tensors are this network's (rather than the MLP's). */
export function isMnistCnnCheckpoint(names: readonly string[]): boolean {
  return names.includes("conv1.weight");
}
