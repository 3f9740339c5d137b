import { getBackend, type Tensor } from "@tensortape/core";
import { definedOnly } from "../defined-only.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** Adagrad's hyperparameters, per parameter group. */
export interface AdagradHyperparameters {
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
    super("Adagrad", params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      ...definedOnly(options),
    });
  }

  protected override validate(h: AdagradHyperparameters): void {
    super.validate(h);
    this.require(h.lrDecay >= 0, `lrDecay must be non-negative; got ${h.lrDecay}`);
    this.require(h.weightDecay >= 0, `weightDecay must be non-negative; got ${h.weightDecay}`);
    this.require(
      h.initialAccumulatorValue >= 0,
      `initialAccumulatorValue must be non-negative; got ${h.initialAccumulatorValue}`,
    );
    this.require(h.eps >= 0, `eps must be non-negative; got ${h.eps}`);
  }

  protected override initState(
    param: Tensor,
    group: ParamGroup<AdagradHyperparameters>,
  ): AdagradState {
    const sum = param.zerosLike();
    sum.data.fill(group.initialAccumulatorValue);
    return { step: 0, sum };
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    h: ParamGroup<AdagradHyperparameters>,
    state: AdagradState,
  ): void {
    const t = ++state.step;
    const lr = h.lr / (1 + (t - 1) * h.lrDecay);
    getBackend().adagradUpdate(param.data, grad.data, state.sum.data, {
      lr,
      eps: h.eps,
      weightDecay: h.weightDecay,
    });
  }
}
