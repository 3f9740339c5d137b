import { checkOptions, ValueError } from "@tensortape/core";
import { Checker, isRecord } from "../check.js";

/** What a schedule needs of an optimizer: its groups' learning rates (every Optimizer has them). */
export interface Scheduled {
  /** The groups whose `lr` the scheduler sets. */
  readonly paramGroups: readonly {
    /** The group's current learning rate, which the scheduler sets. */
    lr: number;
    /** The rate the schedule scales, recorded on the first scheduler's construction. */
    initialLr?: number;
  }[];
}

/** A learning rate as a function of the step count, the group's initial rate, and the group's index. */
export type Schedule = (epoch: number, baseLr: number, group: number) => number;

/**
 * A scheduler's checkpointable state: the step count and its hyperparameters (as PyTorch's
 * scheduler state dicts hold theirs), so that restoring one also restores how it schedules.
 */
export interface SchedulerStateDict {
  /** The number of `step()` calls so far. */
  readonly lastEpoch: number;
  readonly [hyperparameter: string]: unknown;
}

/** How a subclass describes itself to the base class. */
export interface SchedulerSpec {
  /** Its name in errors. Default "LRScheduler". */
  readonly op?: string;
  /**
   * Its hyperparameters, which the schedule reads at each call: `stateDict()` saves them and
   * `loadStateDict` checks and assigns them. Numbers, strings, booleans and arrays of them.
   */
  readonly hyperparameters?: Record<string, unknown>;
  /**
   * The one check of the hyperparameters (and `lastEpoch`) that the constructor and
   * `loadStateDict` both run, throwing a `HyperparameterError` through `check`.
   */
  readonly validate?: (h: Readonly<Record<string, unknown>>, check: Checker) => void;
}

/**
 * Sets an optimizer's learning rates from a closed-form schedule of the step count, as
 * PyTorch's LRScheduler: construction applies step 0, and each `step()` (per epoch or per
 * iteration, as you choose) advances one. Schedules are pure functions of the step, so they
 * compose (`SequentialLR`) and resume from `stateDict()` exactly. Every rate a schedule
 * computes must be a finite number ≥ 0, as the optimizers require.
 * @example
 * const scheduler = new LRScheduler(optimizer, (epoch, base) => base / (1 + epoch));
 * for (const epoch of epochs) { train(); scheduler.step(); }
 */
export class LRScheduler {
  /** The optimizer whose groups' learning rates this sets. */
  readonly optimizer: Scheduled;
  /** The learning rate as a function of the step, the group's initial rate and its index. */
  readonly schedule: Schedule;
  /** The number of `step()` calls so far. */
  lastEpoch = 0;
  #lastLr: number[] = [];
  readonly #op: string;
  readonly #hyperparameters: Record<string, unknown>;
  readonly #validate: (h: Readonly<Record<string, unknown>>, check: Checker) => void;

  /** @param spec for subclasses: their name, hyperparameters and check. */
  constructor(optimizer: Scheduled, schedule: Schedule, spec: SchedulerSpec = {}) {
    checkOptions("LRScheduler", spec, ["op", "hyperparameters", "validate"]);
    this.#op = spec.op ?? "LRScheduler";
    this.#hyperparameters = spec.hyperparameters ?? {};
    this.#validate = spec.validate ?? (() => {});
    const check = new Checker(this.#op);
    if (
      !isRecord(optimizer) ||
      !Array.isArray(optimizer.paramGroups) ||
      optimizer.paramGroups.length === 0
    ) {
      check.fail("optimizer", optimizer, "an optimizer (an object with paramGroups)");
    }
    if (typeof schedule !== "function") check.fail("schedule", schedule, "a function");
    this.#validate({ ...this.#hyperparameters, lastEpoch: 0 }, check);
    this.optimizer = optimizer;
    this.schedule = schedule;
    // As PyTorch: the first scheduler records each group's rate as the base all schedules scale.
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.#apply(this.#rates(0, check), 0);
  }

  /** The groups' initial learning rates, which the schedule scales. */
  get baseLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
  }

  /** Advances one step and sets the new learning rates. */
  step(): void {
    const epoch = this.lastEpoch + 1;
    this.#apply(this.#rates(epoch, new Checker(`${this.#op}.step`)), epoch);
  }

  /** The learning rate of each group, as last set. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /** The step count and a copy of the hyperparameters. */
  stateDict(): SchedulerStateDict {
    return { ...copyValues(this.#hyperparameters), lastEpoch: this.lastEpoch };
  }

  /**
   * Resumes at the saved step with the saved hyperparameters (those it lacks keep their
   * values), setting the learning rates they imply. Everything is checked first, by the
   * constructor's own check; on any problem nothing changes.
   */
  loadStateDict(state: SchedulerStateDict): void {
    this.prepareLoad(state, new Checker(`${this.#op}.loadStateDict`))();
  }

  /**
   * Checks a saved state without changing anything and returns what loads it: the two halves
   * of `loadStateDict`, apart so that a scheduler made of others (`SequentialLR`) can check
   * all of theirs before loading any.
   */
  protected prepareLoad(state: unknown, check: Checker): () => void {
    const saved = check.record("stateDict", state, "an object { lastEpoch, ...hyperparameters }");
    const keys = Object.keys(this.#hyperparameters);
    checkOptions(check.op, saved, [...keys, "lastEpoch", ...this.nestedStateKeys()]);
    const lastEpoch = check.integer("lastEpoch", saved.lastEpoch, { min: 0 });
    // A hyperparameter the state does not hold keeps its value, as PyTorch's __dict__.update:
    // states saved before a scheduler kept its hyperparameters hold only lastEpoch.
    const loaded: Record<string, unknown> = {};
    for (const key of keys) loaded[key] = key in saved ? saved[key] : this.#hyperparameters[key];
    this.#validate({ ...loaded, lastEpoch }, check);
    // The rates at the saved step, from the saved hyperparameters: computed with them in
    // place, then put back, so that a rate the schedule cannot compute changes nothing.
    const before = { ...this.#hyperparameters };
    Object.assign(this.#hyperparameters, copyValues(loaded));
    let rates: number[];
    try {
      rates = this.#rates(lastEpoch, check);
    } finally {
      Object.assign(this.#hyperparameters, before);
    }
    return () => {
      Object.assign(this.#hyperparameters, copyValues(loaded));
      this.#apply(rates, lastEpoch);
    };
  }

  /** `prepareLoad` of another scheduler, for schedulers made of others. */
  protected static prepareLoadOf(
    scheduler: LRScheduler,
    state: unknown,
    check: Checker,
  ): () => void {
    return scheduler.prepareLoad(state, check);
  }

  /** Keys of the state dict that a subclass's own `prepareLoad` reads. */
  protected nestedStateKeys(): readonly string[] {
    return [];
  }

  /** Every group's rate at `epoch`, each checked, before any is set. */
  #rates(epoch: number, check: Checker): number[] {
    return this.optimizer.paramGroups.map((group, i) => {
      const lr = this.schedule(epoch, group.initialLr ?? group.lr, i);
      if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
        check.fail(
          `paramGroups[${i}].lr`,
          lr,
          "a finite number ≥ 0",
          `the schedule computed it for step ${epoch}`,
        );
      }
      return lr;
    });
  }

  #apply(lrs: readonly number[], epoch: number): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    this.lastEpoch = epoch;
    this.#lastLr = [...lrs];
  }
}

/** A copy of hyperparameter values, arrays copied so that a state dict is a snapshot. */
function copyValues(h: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(h))
    out[key] = Array.isArray(value) ? [...value] : value;
  return out;
}

/** Throws a ValueError from `op` unless `condition` holds. */
export function check(op: string, condition: boolean, problem: string): void {
  if (!condition) throw new ValueError(op, problem);
}
