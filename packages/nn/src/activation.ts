import { relu, sigmoid, type Tensor, tanh, ValueError } from "@tensortape/core";
import { elu } from "./functional/elu.js";
import { gelu } from "./functional/gelu.js";
import { leakyRelu } from "./functional/leaky-relu.js";
import { silu } from "./functional/silu.js";
import { softplus } from "./functional/softplus.js";

const ACTIVATIONS = {
  identity: (x: Tensor) => x,
  relu: (x: Tensor) => relu(x),
  leakyRelu: (x: Tensor) => leakyRelu(x),
  sigmoid: (x: Tensor) => sigmoid(x),
  tanh: (x: Tensor) => tanh(x),
  gelu: (x: Tensor) => gelu(x),
  silu: (x: Tensor) => silu(x),
  softplus: (x: Tensor) => softplus(x),
  elu: (x: Tensor) => elu(x),
} as const satisfies Record<string, (x: Tensor) => Tensor>;

/** The activations layers accept by name. */
export type ActivationName = keyof typeof ACTIVATIONS;

/** An activation by name, or any elementwise function of a tensor. */
export type Activation = ActivationName | ((x: Tensor) => Tensor);

/**
 * The function an activation names (a function is returned as it is).
 * @example activation("relu")(tensor([-1, 1])) // tensor([0., 1.])
 */
export function activation(a: Activation, op = "activation"): (x: Tensor) => Tensor {
  if (typeof a === "function") return a;
  const fn = Object.hasOwn(ACTIVATIONS, a) ? ACTIVATIONS[a] : undefined;
  if (!fn) {
    throw new ValueError(
      op,
      `unknown activation "${String(a)}"; known: ${Object.keys(ACTIVATIONS).join(", ")}`,
      "pass a function (x: Tensor) => Tensor for anything else",
    );
  }
  return fn;
}

/** How an activation prints in a module's description. */
export function activationName(a: Activation): string {
  return typeof a === "function" ? a.name || "custom" : a;
}
