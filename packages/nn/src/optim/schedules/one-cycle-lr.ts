import { check, LRScheduler, type Scheduled } from "./lr-scheduler.js";

/** Options of `OneCycleLR`; only `maxLr` and `totalSteps` are required. */
export interface OneCycleLROptions {
  /** The peak learning rate, for every group or one per group. */
  readonly maxLr: number | readonly number[];
  /** The number of steps in the cycle. */
  readonly totalSteps: number;
  /** The fraction of the cycle spent rising. Default 0.3. */
  readonly pctStart?: number;
  /** Default "cos". */
  readonly annealStrategy?: "cos" | "linear";
  /** The starting rate is maxLr / divFactor. Default 25. */
  readonly divFactor?: number;
  /** The final rate is the starting rate / finalDivFactor. Default 1e4. */
  readonly finalDivFactor?: number;
  /** Rise, fall back to the start, then anneal to the final rate (fast.ai's form). Default false. */
  readonly threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith & Topin): the rate rises from maxLr/divFactor to maxLr over the
 * first pctStart of the cycle, then anneals to the start/finalDivFactor, with the phase
 * boundaries and annealing of torch.optim.lr_scheduler.OneCycleLR. Step it once per batch;
 * stepping past totalSteps is an error. The optimizer's momentum is not cycled.
 * @example new OneCycleLR(optimizer, { maxLr: 0.1, totalSteps: epochs * batchesPerEpoch })
 */
export class OneCycleLR extends LRScheduler {
  constructor(optimizer: Scheduled, options: OneCycleLROptions) {
    const op = "OneCycleLR";
    const total = options.totalSteps;
    const pct = options.pctStart ?? 0.3;
    const div = options.divFactor ?? 25;
    const finalDiv = options.finalDivFactor ?? 1e4;
    const groups = optimizer.paramGroups.length;
    const maxLrs =
      typeof options.maxLr === "number"
        ? new Array<number>(groups).fill(options.maxLr)
        : [...options.maxLr];
    check(
      op,
      Number.isInteger(total) && total > 0,
      `totalSteps must be a positive integer; got ${total}`,
    );
    check(op, pct > 0 && pct < 1, `pctStart must be in (0, 1); got ${pct}`);
    check(
      op,
      maxLrs.length === groups,
      `needs one maxLr per parameter group (${groups}); got ${maxLrs.length}`,
    );
    const anneal =
      (options.annealStrategy ?? "cos") === "cos"
        ? (from: number, to: number, t: number) =>
            to + ((from - to) / 2) * (Math.cos(Math.PI * t) + 1)
        : (from: number, to: number, t: number) => from + (to - from) * t;
    super(optimizer, (epoch, _base, group) => {
      check(op, epoch <= total, `stepped ${epoch} times, past totalSteps = ${total}`);
      const max = maxLrs[group]!;
      const initial = max / div;
      const min = initial / finalDiv;
      const phases: [end: number, from: number, to: number][] = options.threePhase
        ? [
            [pct * total - 1, initial, max],
            [2 * pct * total - 2, max, initial],
            [total - 1, initial, min],
          ]
        : [
            [pct * total - 1, initial, max],
            [total - 1, max, min],
          ];
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const [end, from, to] = phases[i]!;
        if (epoch <= end || i === phases.length - 1)
          return anneal(from, to, (epoch - start) / (end - start));
        start = end;
      }
      return min;
    });
  }
}
