import type { Checker } from "../check.js";
import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

function validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
  check.integer("stepSize", h.stepSize, { above: 0 });
  check.number("gamma", h.gamma, { min: 0 });
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` steps:
 * lr = base·gamma^⌊epoch / stepSize⌋.
 * @example new StepLR(optimizer, 30, 0.1) // lr ×0.1 at epochs 30, 60, 90...
 */
export class StepLR extends LRScheduler {
  constructor(optimizer: Scheduled, stepSize: number, gamma = 0.1) {
    const h = { stepSize, gamma };
    super(optimizer, (epoch, base) => base * h.gamma ** Math.floor(epoch / h.stepSize), {
      op: "StepLR",
      hyperparameters: h,
      validate,
    });
  }
}
