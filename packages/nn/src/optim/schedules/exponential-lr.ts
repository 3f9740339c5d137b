import type { Checker } from "../check.js";
import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

function validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
  check.number("gamma", h.gamma, { above: 0 });
}

/**
 * Multiplies the learning rate by `gamma` every step: lr = base·gammaᵉᵖᵒᶜʰ.
 * @example new ExponentialLR(optimizer, 0.95)
 */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Scheduled, gamma: number) {
    const h = { gamma };
    super(optimizer, (epoch, base) => base * h.gamma ** epoch, {
      op: "ExponentialLR",
      hyperparameters: h,
      validate,
    });
  }
}
