import { checkOptions } from "@tensortape/core";
import type { Checker } from "../check.js";
import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** The factor at step 0. Default 1/3. */
  readonly startFactor?: number;
  /** The factor from `totalIters` on. Default 1. */
  readonly endFactor?: number;
  /** Default 5. */
  readonly totalIters?: number;
}

function validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
  check.number("startFactor", h.startFactor, { min: 0 });
  check.number("endFactor", h.endFactor, { min: 0 });
  check.integer("totalIters", h.totalIters, { above: 0 });
}

/** The factor moving linearly from start to end over totalIters steps, then staying. */
function linear(
  op: string,
  optimizer: Scheduled,
  h: { startFactor: number; endFactor: number; totalIters: number },
) {
  return [
    optimizer,
    (epoch: number, base: number) =>
      base *
      (h.startFactor +
        ((h.endFactor - h.startFactor) * Math.min(epoch, h.totalIters)) / h.totalIters),
    { op, hyperparameters: h, validate },
  ] as const;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor`
 * over `totalIters` steps, then stays (torch.optim.lr_scheduler.LinearLR):
 * lr = base·(start + (end − start)·min(epoch, totalIters)/totalIters).
 * @example new LinearLR(optimizer, { startFactor: 0.1, totalIters: 10 })
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: Scheduled, options: LinearLROptions = {}) {
    checkOptions("LinearLR", options, ["startFactor", "endFactor", "totalIters"]);
    super(
      ...linear("LinearLR", optimizer, {
        startFactor: options.startFactor ?? 1 / 3,
        endFactor: options.endFactor ?? 1,
        totalIters: options.totalIters ?? 5,
      }),
    );
  }
}

/**
 * Linear warm-up: the learning rate rises from `startFactor`·base (default 0) to base over
 * `warmupSteps` steps, then stays: a `LinearLR` with endFactor 1. Follow it with another
 * schedule through `SequentialLR`.
 * @example
 * const warmup = new LinearWarmup(optimizer, 100);
 * const cosine = new CosineAnnealingLR(optimizer, 900);
 * const scheduler = new SequentialLR(optimizer, [warmup, cosine], [100]);
 */
export class LinearWarmup extends LRScheduler {
  constructor(optimizer: Scheduled, warmupSteps: number, options: { startFactor?: number } = {}) {
    checkOptions("LinearWarmup", options, ["startFactor"]);
    super(
      ...linear("LinearWarmup", optimizer, {
        startFactor: options.startFactor ?? 0,
        endFactor: 1,
        totalIters: warmupSteps,
      }),
    );
  }
}
