import { backendOf, type Tensor } from "@tensortape/core";
import type { Checker } from "./check.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** RMSprop's hyperparameters, per parameter group. */
export interface RMSpropHyperparameters {
  /** Learning rate. Default 1e-2. */
  lr: number;
  /** Smoothing constant α of the squared-gradient average. Default 0.99. */
  alpha: number;
  /** Added to the denominator. Default 1e-8. */
  eps: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay: number;
  /** Momentum factor μ. Default 0. */
  momentum: number;
  /** Normalise by the estimated variance (v − ḡ²) instead of v. Default false. */
  centered: boolean;
}

type RMSpropState = { step: number; squareAvg: Tensor; momentumBuffer?: Tensor; gradAvg?: Tensor };

/**
 * RMSprop (Hinton), as torch.optim.RMSprop: v ← αv + (1 − α)g²; with `centered`,
 * ḡ ← αḡ + (1 − α)g and v̄ = v − ḡ²; then b ← μb + g / (√v̄ + ε) and θ ← θ − lr·b with
 * momentum, or θ ← θ − lr·g / (√v̄ + ε) without.
 * @example const opt = new RMSprop(model.parameters(), { lr: 1e-3 });
 */
export class RMSprop extends Optimizer<RMSpropHyperparameters, RMSpropState> {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<RMSpropHyperparameters>[],
    options: Partial<RMSpropHyperparameters> = {},
  ) {
    super(
      "RMSprop",
      params,
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
      options,
    );
  }

  /**
   * PyTorch's checks (lr, eps, momentum, weightDecay ≥ 0), and alpha in [0, 1], beyond which
   * the average of squared gradients is no average.
   */
  protected override validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
    super.validate(h, check);
    check.number("alpha", h.alpha, { min: 0, max: 1 });
    check.number("eps", h.eps, { min: 0 });
    check.number("momentum", h.momentum, { min: 0 });
    check.number("weightDecay", h.weightDecay, { min: 0 });
    check.boolean("centered", h.centered);
  }

  protected override nonNegativeState(): readonly string[] {
    return ["squareAvg"];
  }

  protected override initState(
    param: Tensor,
    group: ParamGroup<RMSpropHyperparameters>,
  ): RMSpropState {
    const state: RMSpropState = { step: 0, squareAvg: param.zerosLike() };
    if (group.momentum > 0) state.momentumBuffer = param.zerosLike();
    if (group.centered) state.gradAvg = param.zerosLike();
    return state;
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    h: ParamGroup<RMSpropHyperparameters>,
    state: RMSpropState,
  ): void {
    backendOf(param.storage).rmspropUpdate(
      param.storage,
      grad.storage,
      state.squareAvg.storage,
      state.gradAvg?.storage ?? null,
      state.momentumBuffer?.storage ?? null,
      h,
    );
    state.step += 1;
  }
}
