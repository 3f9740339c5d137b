// Activation functions as modules, for Sequential. Each forward is the function of the same
// name (see ../functional and @tensortape/core).
import {
  checkOptions,
  flatten,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  type Tensor,
  tanh,
} from "@tensortape/core";
import { type GeluApproximate, geluApproximate } from "../activation.js";
import { elu } from "../functional/elu.js";
import { gelu } from "../functional/gelu.js";
import { leakyRelu } from "../functional/leaky-relu.js";
import { silu } from "../functional/silu.js";
import { softplus } from "../functional/softplus.js";
import { Module } from "../module.js";

/** max(x, 0). @example new ReLU().forward(tensor([-1, 2])) // tensor([0., 2.]) */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x where x > 0, slope·x elsewhere. @example new LeakyReLU(0.1).forward(tensor([-1])) // tensor([-0.1000]) */
export class LeakyReLU extends Module {
  constructor(
    /** The slope for x < 0. Default 0.01. */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** 1 / (1 + e^−x). @example new Sigmoid().forward(tensor([0])) // tensor([0.5000]) */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Hyperbolic tangent. @example new Tanh().forward(tensor([0])) // tensor([0.]) */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Options of `GELU`. */
export interface GELUOptions {
  /** "none" (default): x·Φ(x) with the exact normal CDF; "tanh": its tanh approximation. */
  readonly approximate?: GeluApproximate;
}

/**
 * The Gaussian error linear unit, as torch.nn.GELU: x·Φ(x) = ½x(1 + erf(x/√2)) by default,
 * or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) with `approximate: "tanh"` (GPT-2's and BERT's).
 * x: [...S] → [...S]
 * @example new GELU().forward(tensor([1])) // tensor([0.8413])
 * @example new GELU({ approximate: "tanh" }).forward(tensor([1])) // tensor([0.8412])
 */
export class GELU extends Module {
  /** "none" for the exact erf form, "tanh" for the approximation. */
  readonly approximate: GeluApproximate;
  constructor(options: GELUOptions = {}) {
    super();
    checkOptions("GELU", options, ["approximate"]);
    this.approximate = geluApproximate("GELU", options?.approximate);
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${this.approximate}`;
  }
}

/** x·σ(x). @example new SiLU().forward(tensor([1])) // tensor([0.7311]) */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** log(1 + eˣ), stable. @example new Softplus().forward(tensor([0])) // tensor([0.6931]) */
export class Softplus extends Module {
  override forward(x: Tensor): Tensor {
    return softplus(x);
  }
}

/** x where x > 0, α(eˣ − 1) elsewhere. @example new ELU().forward(tensor([-1])) // tensor([-0.6321]) */
export class ELU extends Module {
  constructor(
    /** The value ELU approaches as x → −∞: α·(eˣ − 1) for x ≤ 0. Default 1. */
    readonly alpha = 1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** Softmax along `axis` (default last). x: [N, C] → [N, C]. @example new Softmax().forward(tensor([0, 0])) // tensor([0.5000, 0.5000]) */
export class Softmax extends Module {
  constructor(
    /** The axis the probabilities sum to one along. Default -1 (the last). */
    readonly axis = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

/** Log-softmax along `axis` (default last). x: [N, C] → [N, C]. @example new LogSoftmax().forward(tensor([0, 0])) // tensor([-0.6931, -0.6931]) */
export class LogSoftmax extends Module {
  constructor(
    /** The axis the probabilities sum to one along. Default -1 (the last). */
    readonly axis = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

/** Returns its input. @example new Identity().forward(x) // x */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Flattens axes `startAxis..endAxis` into one (default: all but the batch axis).
 * x: [N, 1, 28, 28] → [N, 784]
 * @example new Flatten().forward(zeros([2, 1, 28, 28])).shape // [2, 784]
 */
export class Flatten extends Module {
  constructor(
    /** First axis to merge. Default 1, keeping the batch axis. */
    readonly startAxis = 1,
    /** Last axis to merge (inclusive). Default -1. */
    readonly endAxis = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }
}
