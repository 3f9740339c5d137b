import type { Checker } from "../check.js";
import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

function validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
  check.number("tMax", h.tMax, { above: 0 });
  check.number("etaMin", h.etaMin, { min: 0 });
}

/**
 * Cosine annealing from the initial rate down to `etaMin` over `tMax` steps (SGDR without
 * restarts), in PyTorch's closed form: lr = etaMin + (base − etaMin)(1 + cos(π·epoch/tMax))/2.
 * Past tMax the cosine rises again.
 * @example new CosineAnnealingLR(optimizer, 100, 1e-5)
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Scheduled, tMax: number, etaMin = 0) {
    const h = { tMax, etaMin };
    super(
      optimizer,
      (epoch, base) =>
        h.etaMin + ((base - h.etaMin) * (1 + Math.cos((Math.PI * epoch) / h.tMax))) / 2,
      { op: "CosineAnnealingLR", hyperparameters: h, validate },
    );
  }
}
