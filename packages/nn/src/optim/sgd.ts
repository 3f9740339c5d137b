import { backendOf, type Tensor } from "@tensortape/core";
import type { Checker } from "./check.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** SGD's hyperparameters, per parameter group. */
export interface SGDHyperparameters {
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** Momentum factor μ. Default 0. */
  momentum: number;
  /** Dampening τ of the momentum. Default 0. */
  dampening: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov: boolean;
}

type SGDState = { step: number; momentumBuffer?: Tensor };

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, as
 * torch.optim.SGD: g ← ∇ + λθ; b ← g on the first step, then μb + (1 − τ)g;
 * g ← g + μb (Nesterov) or b; θ ← θ − lr·g.
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<SGDHyperparameters>[],
    options: Partial<SGDHyperparameters> = {},
  ) {
    super(
      "SGD",
      params,
      { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
      options,
    );
  }

  /** PyTorch's checks: lr, momentum and weightDecay ≥ 0; Nesterov needs momentum and no dampening. */
  protected override validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
    super.validate(h, check);
    const momentum = check.number("momentum", h.momentum, { min: 0 });
    const dampening = check.number("dampening", h.dampening);
    check.number("weightDecay", h.weightDecay, { min: 0 });
    const nesterov = check.boolean("nesterov", h.nesterov);
    if (nesterov && !(momentum > 0 && dampening === 0)) {
      check.fail(
        "nesterov",
        nesterov,
        "false unless momentum > 0 and dampening = 0",
        `Nesterov momentum needs a momentum and zero dampening; got momentum ${momentum} and dampening ${dampening}`,
      );
    }
  }

  protected override initState(param: Tensor, group: ParamGroup<SGDHyperparameters>): SGDState {
    return group.momentum !== 0 ? { step: 0, momentumBuffer: param.zerosLike() } : { step: 0 };
  }

  protected override update(
    param: Tensor,
    grad: Tensor,
    h: ParamGroup<SGDHyperparameters>,
    state: SGDState,
  ): void {
    const momentumBuffer = state.momentumBuffer?.storage ?? null;
    backendOf(param.storage).sgdUpdate(param.storage, grad.storage, momentumBuffer, {
      lr: h.lr,
      momentum: h.momentum,
      dampening: h.dampening,
      weightDecay: h.weightDecay,
      nesterov: h.nesterov,
      first: state.step === 0,
    });
    state.step += 1;
  }
}
