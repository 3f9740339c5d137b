import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * Multiplies the learning rate by `gamma` every step: lr = base·gammaᵉᵖᵒᶜʰ.
 * @example new ExponentialLR(optimizer, 0.95)
 */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Scheduled, gamma: number) {
    check("ExponentialLR", gamma > 0, `gamma must be positive; got ${gamma}`);
    super(optimizer, (epoch, base) => base * gamma ** epoch);
  }
}
