import { backendOf, type Tensor } from "@tensortape/core";
import type { Checker } from "./check.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** Adam's and AdamW's hyperparameters, per parameter group. */
export interface AdamHyperparameters {
  /** Learning rate α. Default 1e-3. */
  lr: number;
  /** Decay rates (β1, β2) of the first and second moment estimates. Default [0.9, 0.999]. */
  betas: readonly [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps: number;
  /** L2 penalty λ added to the gradient (AdamW decouples it instead). */
  weightDecay: number;
  /** Use the maximum of past second moments (Reddi et al., "On the Convergence of Adam and Beyond"). */
  amsgrad: boolean;
}

/** Adam's and AdamW's per-parameter state: step count, moments, and the AMSGrad maximum. */
export type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq?: Tensor };

/**
 * One Adam step on one parameter, as torch.optim.Adam computes it: θ ← decay·θ, then
 * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², v_max ← max(v_max, v) with AMSGrad, then
 * θ ← θ − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + ε), where g includes the L2 term l2·θ.
 * The elementwise loop is the backend's (SIMD in the fast one).
 */
export function adamStep(
  param: Tensor,
  grad: Tensor,
  h: AdamHyperparameters,
  state: AdamState,
  { l2, decay }: { l2: number; decay: number },
): void {
  const [beta1, beta2] = h.betas;
  const t = ++state.step;
  backendOf(param.storage).adamUpdate(
    param.storage,
    grad.storage,
    state.expAvg.storage,
    state.expAvgSq.storage,
    state.maxExpAvgSq?.storage ?? null,
    {
      stepSize: h.lr / (1 - beta1 ** t),
      beta1,
      beta2,
      bias2Sqrt: Math.sqrt(1 - beta2 ** t),
      eps: h.eps,
      l2,
      decay,
    },
  );
}

/** What Adam and AdamW share: hyperparameter checks, state, and the moment update. */
export abstract class AdamFamily extends Optimizer<AdamHyperparameters, AdamState> {
  /** PyTorch's checks: lr, eps and weightDecay ≥ 0, each beta in [0, 1). */
  protected override validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
    super.validate(h, check);
    check.pair("betas", h.betas, { min: 0, below: 1 });
    check.number("eps", h.eps, { min: 0 });
    check.number("weightDecay", h.weightDecay, { min: 0 });
    check.boolean("amsgrad", h.amsgrad);
  }

  protected override nonNegativeState(): readonly string[] {
    return ["expAvgSq", "maxExpAvgSq"];
  }

  // Zero moments, and the running maximum for AMSGrad.
  protected override initState(param: Tensor, group: ParamGroup<AdamHyperparameters>): AdamState {
    const state: AdamState = { step: 0, expAvg: param.zerosLike(), expAvgSq: param.zerosLike() };
    if (group.amsgrad) state.maxExpAvgSq = param.zerosLike();
    return state;
  }
}

/**
 * Adam (Kingma & Ba), with optional AMSGrad and L2 weight decay, matching torch.optim.Adam.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamFamily {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<AdamHyperparameters>[],
    options: Partial<AdamHyperparameters> = {},
  ) {
    super(
      "Adam",
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false },
      options,
    );
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamHyperparameters>,
    state: AdamState,
  ): void {
    adamStep(param, grad, group, state, { l2: group.weightDecay, decay: 1 });
  }
}
