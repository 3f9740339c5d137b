import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * Multiplies the learning rate by `gamma` every `stepSize` steps:
 * lr = base·gamma^⌊epoch / stepSize⌋.
 * @example new StepLR(optimizer, 30, 0.1) // lr ×0.1 at epochs 30, 60, 90...
 */
export class StepLR extends LRScheduler {
  constructor(optimizer: Scheduled, stepSize: number, gamma = 0.1) {
    check(
      "StepLR",
      Number.isInteger(stepSize) && stepSize > 0,
      `stepSize must be a positive integer; got ${stepSize}`,
    );
    super(optimizer, (epoch, base) => base * gamma ** Math.floor(epoch / stepSize));
  }
}
