import type { Tensor } from "@tensortape/core";
import {
  type BCELossOptions,
  bceLossOptions,
  bceLossWith,
  type CheckedBCELossOptions,
} from "../losses/bce-loss.js";
import {
  type BCEWithLogitsOptions,
  bceWithLogitsOptions,
  binaryCrossEntropyWithLogitsWith,
} from "../losses/binary-cross-entropy-with-logits.js";
import { checkTensorOption } from "../losses/checks.js";
import {
  type CheckedCrossEntropyOptions,
  type CrossEntropyOptions,
  crossEntropyOptions,
  crossEntropyWith,
} from "../losses/cross-entropy.js";
import {
  type CheckedHuberLossOptions,
  type HuberLossOptions,
  huberLossOptions,
  huberLossWith,
} from "../losses/huber-loss.js";
import {
  type CheckedKLDivLossOptions,
  type KLDivLossOptions,
  kldivLossOptions,
  kldivLossWith,
} from "../losses/kldiv-loss.js";
import { l1LossWith } from "../losses/l1-loss.js";
import { mseLossWith } from "../losses/mse-loss.js";
import { type NLLLossOptions, nllLossOptions, nllLossWith } from "../losses/nll-loss.js";
import { type LossOptions, lossOptions, type Reduction } from "../losses/reduction.js";
import {
  type CheckedSmoothL1LossOptions,
  type SmoothL1LossOptions,
  smoothL1LossOptions,
  smoothL1LossWith,
} from "../losses/smooth-l1-loss.js";
import { type Member, Module } from "../module.js";

/**
 * A weight given to a loss module becomes its buffer, as PyTorch's `register_buffer`: saved
 * in state dicts, converted by `to()`, never trained. A tensor that requires grad would be
 * taken for a parameter, so the module keeps a detached alias of it.
 */
function asBuffer(op: string, name: string, weight: Tensor | undefined): Tensor | null {
  if (weight === undefined || weight === null) return null;
  checkTensorOption(op, name, weight);
  return weight.requiresGrad ? weight.detach() : weight;
}

/**
 * `crossEntropy` as a module, PyTorch's `nn.CrossEntropyLoss`: class indices or class
 * probabilities, with `weight` (a buffer, state-dict key `weight`), `ignoreIndex`,
 * `labelSmoothing` and `reduction`, checked here.
 * input: [N, C, d1, ...] or [C], target: int32 [N, d1, ...] or [], or float of the input's shape → []
 * @example new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)
 */
export class CrossEntropyLoss extends Module {
  /** [C], or null: a buffer. */
  weight: Tensor | null;
  /** Targets equal to this class index contribute no loss or gradient. */
  readonly ignoreIndex: number;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;
  /** Share of the target probability spread evenly over all classes. */
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    const checked = crossEntropyOptions("CrossEntropyLoss", options);
    this.weight = asBuffer("CrossEntropyLoss", "weight", checked.weight);
    this.ignoreIndex = checked.ignoreIndex;
    this.reduction = checked.reduction;
    this.labelSmoothing = checked.labelSmoothing;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    const options: CheckedCrossEntropyOptions = {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    };
    return crossEntropyWith("CrossEntropyLoss", input, target, options);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * `nllLoss` as a module, PyTorch's `nn.NLLLoss`, with `weight` (a buffer, state-dict key
 * `weight`), `ignoreIndex` and `reduction`, checked here.
 * input: [N, C, d1, ...] or [C] log-probabilities, target: int32 [N, d1, ...] or [] → []
 * @example new NLLLoss().forward(logits.logSoftmax(1), labels)
 */
export class NLLLoss extends Module {
  /** [C], or null: a buffer. */
  weight: Tensor | null;
  /** Targets equal to this class index contribute no loss or gradient. */
  readonly ignoreIndex: number;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: NLLLossOptions = {}) {
    super();
    const checked = nllLossOptions("NLLLoss", options);
    this.weight = asBuffer("NLLLoss", "weight", checked.weight);
    this.ignoreIndex = checked.ignoreIndex;
    this.reduction = checked.reduction;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLossWith("NLLLoss", input, target, {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * `mseLoss` as a module, PyTorch's `nn.MSELoss`.
 * input: [...S], target: [...S] → []
 * @example new MSELoss().forward(prediction, target)
 */
export class MSELoss extends Module {
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    this.reduction = lossOptions("MSELoss", options);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLossWith("MSELoss", input, target, this.reduction);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * `l1Loss` as a module, PyTorch's `nn.L1Loss`.
 * input: [...S], target: [...S] → []
 * @example new L1Loss().forward(prediction, target)
 */
export class L1Loss extends Module {
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    this.reduction = lossOptions("L1Loss", options);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1LossWith("L1Loss", input, target, this.reduction);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * `smoothL1Loss` as a module, PyTorch's `nn.SmoothL1Loss`.
 * input: [...S], target: [...S] → []
 * @example new SmoothL1Loss({ beta: 0.5 }).forward(prediction, target)
 */
export class SmoothL1Loss extends Module {
  /** Where the loss turns from quadratic to linear. */
  readonly beta: number;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: SmoothL1LossOptions = {}) {
    super();
    const checked = smoothL1LossOptions("SmoothL1Loss", options);
    this.beta = checked.beta;
    this.reduction = checked.reduction;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    const options: CheckedSmoothL1LossOptions = { beta: this.beta, reduction: this.reduction };
    return smoothL1LossWith("SmoothL1Loss", input, target, options);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, reduction=${this.reduction}`;
  }
}

/**
 * `huberLoss` as a module, PyTorch's `nn.HuberLoss`.
 * input: [...S], target: [...S] → []
 * @example new HuberLoss({ delta: 2 }).forward(prediction, target)
 */
export class HuberLoss extends Module {
  /** Where the loss turns from quadratic to linear. */
  readonly delta: number;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: HuberLossOptions = {}) {
    super();
    const checked = huberLossOptions("HuberLoss", options);
    this.delta = checked.delta;
    this.reduction = checked.reduction;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    const options: CheckedHuberLossOptions = { delta: this.delta, reduction: this.reduction };
    return huberLossWith("HuberLoss", input, target, options);
  }

  override extraRepr(): string {
    return `delta=${this.delta}, reduction=${this.reduction}`;
  }
}

/**
 * `kldivLoss` as a module, PyTorch's `nn.KLDivLoss`: the input holds log-probabilities.
 * input: [N, ...], target: [N, ...] → []
 * @example new KLDivLoss({ reduction: "batchmean" }).forward(logits.logSoftmax(1), targetProbs)
 */
export class KLDivLoss extends Module {
  /** How per-element losses combine: "mean", "batchmean", "sum" or "none". */
  readonly reduction: CheckedKLDivLossOptions["reduction"];
  /** Whether the target is given as log-probabilities. */
  readonly logTarget: boolean;

  constructor(options: KLDivLossOptions = {}) {
    super();
    const checked = kldivLossOptions("KLDivLoss", options);
    this.reduction = checked.reduction;
    this.logTarget = checked.logTarget;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    const options: CheckedKLDivLossOptions = {
      reduction: this.reduction,
      logTarget: this.logTarget,
    };
    return kldivLossWith("KLDivLoss", input, target, options);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}, logTarget=${this.logTarget}`;
  }
}

/**
 * `bceLoss` as a module, PyTorch's `nn.BCELoss`, with `weight` (a buffer, state-dict key
 * `weight`).
 * input: [...S] probabilities, target: [...S] → []
 * @example new BCELoss().forward(logits.sigmoid(), target)
 */
export class BCELoss extends Module {
  /** Broadcasts to the input's shape, or null: a buffer. */
  weight: Tensor | null;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: BCELossOptions = {}) {
    super();
    const checked = bceLossOptions("BCELoss", options);
    this.weight = asBuffer("BCELoss", "weight", checked.weight);
    this.reduction = checked.reduction;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    const options: CheckedBCELossOptions = {
      weight: this.weight ?? undefined,
      reduction: this.reduction,
    };
    return bceLossWith("BCELoss", input, target, options);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * `binaryCrossEntropyWithLogits` as a module, PyTorch's `nn.BCEWithLogitsLoss`, with `weight`
 * and `posWeight` as buffers under PyTorch's state-dict keys `weight` and `pos_weight`.
 * input: [...S] logits, target: [...S] → []
 * @example new BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(logits, target)
 */
export class BCEWithLogitsLoss extends Module {
  /** Broadcasts to the input's shape, or null: a buffer. */
  weight: Tensor | null;
  /** Broadcasts to the input's shape (usually [C]), or null: a buffer, `pos_weight`. */
  posWeight: Tensor | null;
  /** How per-element losses combine: "mean", "sum" or "none". */
  readonly reduction: Reduction;

  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    const checked = bceWithLogitsOptions("BCEWithLogitsLoss", options);
    this.weight = asBuffer("BCEWithLogitsLoss", "weight", checked.weight);
    this.posWeight = asBuffer("BCEWithLogitsLoss", "posWeight", checked.posWeight);
    this.reduction = checked.reduction;
  }

  override namedMembers(): Member[] {
    return super
      .namedMembers()
      .map((m) => (m.name === "posWeight" ? { ...m, name: "pos_weight" } : m));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogitsWith("BCEWithLogitsLoss", input, target, {
      weight: this.weight ?? undefined,
      posWeight: this.posWeight ?? undefined,
      reduction: this.reduction,
    });
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}
