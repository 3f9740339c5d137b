import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * Runs schedules one after another: `schedulers[k]` from step `milestones[k − 1]` on, each
 * restarted at its own step 0 (torch.optim.lr_scheduler.SequentialLR). Step only the
 * SequentialLR, not the schedules inside it.
 * @example
 * const scheduler = new SequentialLR(
 *   optimizer,
 *   [new LinearWarmup(optimizer, 100), new CosineAnnealingLR(optimizer, 900)],
 *   [100],
 * );
 */
export class SequentialLR extends LRScheduler {
  constructor(
    optimizer: Scheduled,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
  ) {
    check("SequentialLR", schedulers.length > 0, "needs at least one scheduler");
    check(
      "SequentialLR",
      milestones.length === schedulers.length - 1,
      `needs one milestone fewer than schedulers; got ${schedulers.length} schedulers and ${milestones.length} milestones`,
    );
    check(
      "SequentialLR",
      milestones.every((m, i) => Number.isInteger(m) && m > (i === 0 ? 0 : milestones[i - 1]!)),
      `milestones must be increasing positive integers; got [${milestones.join(", ")}]`,
    );
    check(
      "SequentialLR",
      schedulers.every((s) => s.optimizer === optimizer),
      "every scheduler must drive the same optimizer",
    );
    super(optimizer, (epoch, base, group) => {
      let k = 0;
      while (k < milestones.length && epoch >= milestones[k]!) k++;
      const start = k === 0 ? 0 : milestones[k - 1]!;
      return schedulers[k]!.schedule(epoch - start, base, group);
    });
  }
}
