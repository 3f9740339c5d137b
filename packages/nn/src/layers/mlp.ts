import { checkOptions, type Generator, type Tensor, ValueError } from "@tensortape/core";
import { type Activation, activationName } from "../activation.js";
import type { Initializer } from "../init.js";
import { type FloatDType, Module } from "../module.js";
import { DENSE_OPTIONS, Dense } from "./dense.js";
import { Dropout } from "./dropout.js";

/** Options of `MLP`: those of its Dense layers, plus the activations and dropout. */
export interface MLPOptions {
  /** Between hidden layers. Default "relu". */
  readonly activation?: Activation;
  /** After the last layer. Default "identity" (logits, for crossEntropy). */
  readonly outputActivation?: Activation;
  /** Dropout probability after each hidden activation. Default 0 (none). */
  readonly dropout?: number;
  /** Give each layer a bias. Default true. */
  readonly bias?: boolean;
  /** Initialiser of each layer's weight. Default: Dense's. */
  readonly weightInit?: Initializer;
  /** Initialiser of each layer's bias. Default: Dense's. */
  readonly biasInit?: Initializer;
  /** Dtype of the parameters. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/**
 * A multilayer perceptron: Dense layers of the given sizes, `activation` between them and
 * `outputActivation` after the last. Parameters are named `layers.0.weight`, `layers.0.bias`...
 * x: [..., sizes[0]] → [..., sizes[last]]
 * @example
 * const mlp = new MLP([784, 256, 10], { activation: "relu" });
 * mlp.forward(randn([32, 784])).shape; // [32, 10]
 */
export class MLP extends Module {
  /** The affine layers, input to output. */
  readonly layers: Dense[];
  /** Dropout after each hidden activation, or null without. */
  readonly dropout: Dropout | null;

  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    super();
    checkOptions("MLP", options, [...DENSE_OPTIONS, "outputActivation", "dropout"]);
    if (sizes.length < 2) {
      throw new ValueError(
        "MLP",
        `needs at least two sizes (inputs and outputs); got [${sizes.join(", ")}]`,
      );
    }
    const { activation = "relu", outputActivation = "identity", dropout = 0, ...dense } = options;
    this.layers = sizes.slice(1).map(
      (out, i) =>
        new Dense(sizes[i]!, out, {
          ...dense,
          activation: i === sizes.length - 2 ? outputActivation : activation,
        }),
    );
    this.dropout = dropout > 0 ? new Dropout(dropout, { generator: options.generator }) : null;
  }

  override forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (this.dropout && i < this.layers.length - 1) h = this.dropout.forward(h);
    });
    return h;
  }

  override extraRepr(): string {
    const sizes = [this.layers[0]!.inFeatures, ...this.layers.map((l) => l.outFeatures)];
    return `[${sizes.join(", ")}], ${activationName(this.layers[0]!.activation)}`;
  }
}
