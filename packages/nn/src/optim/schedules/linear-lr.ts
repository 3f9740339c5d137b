import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** The factor at step 0. Default 1/3. */
  readonly startFactor?: number;
  /** The factor from `totalIters` on. Default 1. */
  readonly endFactor?: number;
  /** Default 5. */
  readonly totalIters?: number;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor`
 * over `totalIters` steps, then stays (torch.optim.lr_scheduler.LinearLR):
 * lr = base·(start + (end − start)·min(epoch, totalIters)/totalIters).
 * @example new LinearLR(optimizer, { startFactor: 0.1, totalIters: 10 })
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: Scheduled, options: LinearLROptions = {}) {
    const start = options.startFactor ?? 1 / 3;
    const end = options.endFactor ?? 1;
    const total = options.totalIters ?? 5;
    check(
      "LinearLR",
      start >= 0 && end >= 0,
      `factors must be non-negative; got ${start} and ${end}`,
    );
    check(
      "LinearLR",
      Number.isInteger(total) && total > 0,
      `totalIters must be a positive integer; got ${total}`,
    );
    super(
      optimizer,
      (epoch, base) => base * (start + ((end - start) * Math.min(epoch, total)) / total),
    );
  }
}

/**
 * Linear warm-up: the learning rate rises from `startFactor`·base (default 0) to base over
 * `warmupSteps` steps, then stays. Follow it with another schedule through `SequentialLR`.
 * @example
 * const warmup = new LinearWarmup(optimizer, 100);
 * const cosine = new CosineAnnealingLR(optimizer, 900);
 * const scheduler = new SequentialLR(optimizer, [warmup, cosine], [100]);
 */
export class LinearWarmup extends LinearLR {
  constructor(optimizer: Scheduled, warmupSteps: number, options: { startFactor?: number } = {}) {
    super(optimizer, {
      startFactor: options.startFactor ?? 0,
      endFactor: 1,
      totalIters: warmupSteps,
    });
  }
}
