import { checkOptions, relu, sigmoid, type Tensor, tanh, ValueError } from "@tensortape/core";
import { elu } from "./functional/elu.js";
import { type GeluApproximate, gelu } from "./functional/gelu.js";
import { leakyRelu } from "./functional/leaky-relu.js";
import { silu } from "./functional/silu.js";
import { softplus } from "./functional/softplus.js";

export type { GeluApproximate };

/** Checks GELU's `approximate` for `op`, which names the layer or function in the error. */
export function geluApproximate(op: string, approximate: unknown = "none"): GeluApproximate {
  if (approximate !== "none" && approximate !== "tanh") {
    throw new ValueError(
      op,
      `approximate must be "none" or "tanh"; got ${typeof approximate === "string" ? JSON.stringify(approximate) : String(approximate)}`,
      'PyTorch names the exact (erf) form "none" and ½x(1 + tanh(√(2/π)(x + 0.044715x³))) "tanh"',
    );
  }
  return approximate;
}

const ACTIVATIONS = {
  identity: (x: Tensor) => x,
  relu: (x: Tensor) => relu(x),
  leakyRelu: (x: Tensor) => leakyRelu(x),
  sigmoid: (x: Tensor) => sigmoid(x),
  tanh: (x: Tensor) => tanh(x),
  // The exact form, PyTorch's default; `{ name: "gelu", approximate: "tanh" }` for the other.
  gelu: (x: Tensor) => gelu(x, { approximate: "none" }),
  silu: (x: Tensor) => silu(x),
  softplus: (x: Tensor) => softplus(x),
  elu: (x: Tensor) => elu(x),
} as const satisfies Record<string, (x: Tensor) => Tensor>;

/** The activations layers accept by name. */
export type ActivationName = keyof typeof ACTIVATIONS;

/** An activation named with its options: GELU's form (`approximate`, default "none"). */
export interface ActivationSpec {
  /** The activation's name. */
  readonly name: "gelu";
  /** GELU's form: "none" for the exact erf form (default), "tanh" for the approximation. */
  readonly approximate?: GeluApproximate;
}

/** An activation by name, by name with options, or any elementwise function of a tensor. */
export type Activation = ActivationName | ActivationSpec | ((x: Tensor) => Tensor);

/**
 * The function an activation names (a function is returned as it is).
 * @example activation("relu")(tensor([-1, 1])) // tensor([0., 1.])
 * @example activation({ name: "gelu", approximate: "tanh" })(tensor([1])) // tensor([0.8412])
 */
export function activation(a: Activation, op = "activation"): (x: Tensor) => Tensor {
  if (typeof a === "function") return a;
  if (typeof a === "object" && a !== null) {
    checkOptions(op, a, ["name", "approximate"]);
    if (a.name !== "gelu") {
      throw new ValueError(
        op,
        `an activation with options must be { name: "gelu", approximate }; got name ${JSON.stringify((a as { name: unknown }).name)}`,
        "name other activations by their name alone",
      );
    }
    const approximate = geluApproximate(op, a.approximate);
    return (x: Tensor) => gelu(x, { approximate });
  }
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
  if (typeof a === "function") return a.name || "custom";
  if (typeof a === "object") return `${a.name}(approximate=${a.approximate ?? "none"})`;
  return a;
}
