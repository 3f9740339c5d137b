import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * Cosine annealing from the initial rate down to `etaMin` over `tMax` steps (SGDR without
 * restarts), in PyTorch's closed form: lr = etaMin + (base − etaMin)(1 + cos(π·epoch/tMax))/2.
 * Past tMax the cosine rises again.
 * @example new CosineAnnealingLR(optimizer, 100, 1e-5)
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Scheduled, tMax: number, etaMin = 0) {
    check("CosineAnnealingLR", tMax > 0, `tMax must be positive; got ${tMax}`);
    super(
      optimizer,
      (epoch, base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2,
    );
  }
}
