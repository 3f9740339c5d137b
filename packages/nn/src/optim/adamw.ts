import type { Tensor } from "@tensortape/core";
import { AdamFamily, type AdamHyperparameters, type AdamState, adamStep } from "./adam.js";
import type { ParamGroup, ParamGroupSpec } from "./optimizer.js";

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, θ ← θ − lr·λ·θ before the
 * Adam step (whose gradient carries no L2 term), matching torch.optim.AdamW. Default λ = 0.01.
 * @example const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamFamily {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<AdamHyperparameters>[],
    options: Partial<AdamHyperparameters> = {},
  ) {
    super(
      "AdamW",
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
      options,
    );
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamHyperparameters>,
    state: AdamState,
  ): void {
    adamStep(param, grad, group, state, { l2: 0, decay: 1 - group.lr * group.weightDecay });
  }
}
