import { backendOf, full, type Tensor } from "@tensortape/core";
import type { Checker } from "./check.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** Adagrad's hyperparameters, per parameter group. */
export interface AdagradHyperparameters {
  /** Learning rate before decay. Default 1e-2. */
  lr: number;
  /** Learning-rate decay η: step t uses lr / (1 + (t − 1)η). Default 0. */
  lrDecay: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay: number;
  /** The accumulator's starting value. Default 0. */
  initialAccumulatorValue: number;
  /** Added to the denominator. Default 1e-10. */
  eps: number;
}

type AdagradState = { step: number; sum: Tensor };

/**
 * Adagrad (Duchi et al.), as torch.optim.Adagrad: s ← s + g², θ ← θ − lr_t·g / (√s + ε) with
 * lr_t = lr / (1 + (t − 1)·lrDecay).
 * @example const opt = new Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradHyperparameters, AdagradState> {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<AdagradHyperparameters>[],
    options: Partial<AdagradHyperparameters> = {},
  ) {
    super(
      "Adagrad",
      params,
      { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
      options,
    );
  }

  /** PyTorch's checks: lr, lrDecay, weightDecay, initialAccumulatorValue and eps ≥ 0. */
  protected override validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
    super.validate(h, check);
    check.number("lrDecay", h.lrDecay, { min: 0 });
    check.number("weightDecay", h.weightDecay, { min: 0 });
    check.number("initialAccumulatorValue", h.initialAccumulatorValue, { min: 0 });
    check.number("eps", h.eps, { min: 0 });
  }

  protected override nonNegativeState(): readonly string[] {
    return ["sum"];
  }

  protected override initState(
    param: Tensor,
    group: ParamGroup<AdagradHyperparameters>,
  ): AdagradState {
    return {
      step: 0,
      sum: full(param.shape, group.initialAccumulatorValue, { dtype: param.dtype }),
    };
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    h: ParamGroup<AdagradHyperparameters>,
    state: AdagradState,
  ): void {
    const t = ++state.step;
    const lr = h.lr / (1 + (t - 1) * h.lrDecay);
    backendOf(param.storage).adagradUpdate(param.storage, grad.storage, state.sum.storage, {
      lr,
      eps: h.eps,
      weightDecay: h.weightDecay,
    });
  }
}
