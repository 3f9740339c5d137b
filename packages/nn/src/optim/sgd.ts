import { getBackend, type Tensor } from "@tensortape/core";
import { definedOnly } from "../defined-only.js";
import { Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

/** SGD's hyperparameters, per parameter group. */
export interface SGDHyperparameters {
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
    super("SGD", params, {
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      ...definedOnly(options),
    });
  }

  protected override validate(h: SGDHyperparameters): void {
    super.validate(h);
    this.require(h.momentum >= 0, `momentum must be non-negative; got ${h.momentum}`);
    this.require(h.weightDecay >= 0, `weightDecay must be non-negative; got ${h.weightDecay}`);
    this.require(
      !h.nesterov || (h.momentum > 0 && h.dampening === 0),
      "nesterov needs momentum > 0 and dampening 0",
    );
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
    const momentumBuffer = state.momentumBuffer?.data ?? null;
    getBackend().sgdUpdate(param.data, grad.data, momentumBuffer, {
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
