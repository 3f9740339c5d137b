import type { Checker } from "../check.js";
import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

function validator(count: number) {
  return (h: Readonly<Record<string, unknown>>, check: Checker): void => {
    const milestones = h.milestones;
    if (!Array.isArray(milestones) || milestones.length !== count - 1) {
      check.fail(
        "milestones",
        milestones,
        `an array of ${count - 1} step counts (one fewer than the ${count} schedulers)`,
      );
    }
    (milestones as unknown[]).forEach((m, i) => {
      const previous = i === 0 ? 0 : (milestones as number[])[i - 1]!;
      check.integer(`milestones[${i}]`, m, { above: previous });
    });
  };
}

/**
 * Runs schedules one after another: `schedulers[k]` from step `milestones[k − 1]` on, each
 * restarted at its own step 0 (torch.optim.lr_scheduler.SequentialLR). Step only the
 * SequentialLR, not the schedules inside it. Its state dict holds theirs, under `schedulers`.
 * @example
 * const scheduler = new SequentialLR(
 *   optimizer,
 *   [new LinearWarmup(optimizer, 100), new CosineAnnealingLR(optimizer, 900)],
 *   [100],
 * );
 */
export class SequentialLR extends LRScheduler {
  readonly #schedulers: readonly LRScheduler[];

  constructor(
    optimizer: Scheduled,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
  ) {
    const list = Array.isArray(schedulers) ? [...schedulers] : [];
    const h = { milestones: Array.isArray(milestones) ? [...milestones] : milestones };
    super(
      optimizer,
      (epoch, base, group) => {
        let k = 0;
        while (k < h.milestones.length && epoch >= h.milestones[k]!) k++;
        const start = k === 0 ? 0 : h.milestones[k - 1]!;
        return list[k]!.schedule(epoch - start, base, group);
      },
      {
        op: "SequentialLR",
        hyperparameters: h,
        validate: (values, check) => {
          if (!Array.isArray(schedulers) || schedulers.length === 0) {
            check.fail("schedulers", schedulers, "a non-empty array of schedulers");
          }
          list.forEach((s, i) => {
            if (!(s instanceof LRScheduler)) check.fail(`schedulers[${i}]`, s, "an LRScheduler");
            if (s.optimizer !== optimizer) {
              check.fail(
                `schedulers[${i}]`,
                s.constructor.name,
                "a scheduler of the same optimizer",
                "every scheduler must drive the same optimizer",
              );
            }
          });
          validator(list.length)(values, check);
        },
      },
    );
    this.#schedulers = list;
  }

  /** The step, the milestones, and each inner scheduler's own state dict. */
  override stateDict() {
    return {
      ...super.stateDict(),
      /** Each inner scheduler's own state dict, in order. */
      schedulers: this.#schedulers.map((s) => s.stateDict()),
    };
  }

  protected override nestedStateKeys(): readonly string[] {
    return ["schedulers"];
  }

  /** Checks the inner schedulers' states too, and loads them only if all of it is valid. */
  protected override prepareLoad(state: unknown, check: Checker): () => void {
    const own = super.prepareLoad(state, check);
    // A state without the inner schedulers' keeps theirs, as a missing hyperparameter.
    if (!("schedulers" in (state as object))) return own;
    const inner = (state as { schedulers?: unknown }).schedulers;
    if (!Array.isArray(inner) || inner.length !== this.#schedulers.length) {
      check.fail(
        "schedulers",
        inner,
        `an array of ${this.#schedulers.length} scheduler state dicts`,
      );
    }
    const loads = this.#schedulers.map((s, i) =>
      LRScheduler.prepareLoadOf(s, inner[i], check.at(`schedulers[${i}].`)),
    );
    return () => {
      for (const load of loads) load();
      // Last, so that the rates set are this schedule's, not the inner ones'.
      own();
    };
  }
}
