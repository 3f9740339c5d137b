import type { Tensor } from "@tensortape/core";
import { type Layer, type Member, Module } from "../module.js";

/**
 * Layers applied one after another. Its parameters are named by position (`0.weight`,
 * `2.bias`), as torch.nn.Sequential names them.
 * x: whatever the first layer takes → whatever the last returns
 * @example
 * const net = new Sequential(new Dense(2, 16), new ReLU(), new Dense(16, 2));
 * net.forward(randn([8, 2])).shape; // [8, 2]
 */
export class Sequential extends Module {
  /** The layers, applied in order. */
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
  }

  override namedMembers(): Member[] {
    return this.layers.map((_, i) => ({ name: String(i), owner: this.layers, key: i }));
  }

  /** Adds a layer at the end; returns this. */
  append(layer: Layer): this {
    this.layers.push(layer);
    return this;
  }

  /** The number of layers. */
  get length(): number {
    return this.layers.length;
  }

  override forward(x: Tensor): Tensor {
    return this.layers.reduce((h, layer) => layer.forward(h), x);
  }
}
