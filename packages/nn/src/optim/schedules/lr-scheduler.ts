import { ValueError } from "@tensortape/core";

/** What a schedule needs of an optimizer: its groups' learning rates (every Optimizer has them). */
export interface Scheduled {
  readonly paramGroups: readonly { lr: number; initialLr?: number }[];
}

/** A learning rate as a function of the step count, the group's initial rate, and the group's index. */
export type Schedule = (epoch: number, baseLr: number, group: number) => number;

/** A scheduler's checkpointable state. */
export interface SchedulerStateDict {
  readonly lastEpoch: number;
}

/**
 * Sets an optimizer's learning rates from a closed-form schedule of the step count, as
 * PyTorch's LRScheduler: construction applies step 0, and each `step()` (per epoch or per
 * iteration, as you choose) advances one. Schedules are pure functions of the step, so they
 * compose (`SequentialLR`) and resume from `stateDict()` exactly.
 * @example
 * const scheduler = new LRScheduler(optimizer, (epoch, base) => base / (1 + epoch));
 * for (const epoch of epochs) { train(); scheduler.step(); }
 */
export class LRScheduler {
  readonly optimizer: Scheduled;
  readonly schedule: Schedule;
  /** The number of `step()` calls so far. */
  lastEpoch = 0;
  #lastLr: number[] = [];

  constructor(optimizer: Scheduled, schedule: Schedule) {
    this.optimizer = optimizer;
    this.schedule = schedule;
    // As PyTorch: the first scheduler records each group's rate as the base all schedules scale.
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.#apply(0);
  }

  /** The groups' initial learning rates, which the schedule scales. */
  get baseLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
  }

  /** Advances one step and sets the new learning rates. */
  step(): void {
    this.#apply(this.lastEpoch + 1);
  }

  /** The learning rate of each group, as last set. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch };
  }

  /** Resumes at the saved step, setting the learning rates it implies. */
  loadStateDict(state: SchedulerStateDict): void {
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
      throw new ValueError(
        "LRScheduler.loadStateDict",
        `lastEpoch must be a non-negative integer; got ${state.lastEpoch}`,
      );
    }
    this.#apply(state.lastEpoch);
  }

  /** Computes every group's rate first, so a schedule that throws changes nothing. */
  #apply(epoch: number): void {
    const groups = this.optimizer.paramGroups;
    const lrs = groups.map((group, i) => this.schedule(epoch, group.initialLr ?? group.lr, i));
    groups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    this.lastEpoch = epoch;
    this.#lastLr = lrs;
  }
}

/** Throws a ValueError from `op` unless `condition` holds. */
export function check(op: string, condition: boolean, problem: string): void {
  if (!condition) throw new ValueError(op, problem);
}
