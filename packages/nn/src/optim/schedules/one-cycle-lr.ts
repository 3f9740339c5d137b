import { checkOptions } from "@tensortape/core";
import type { Checker } from "../check.js";
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

const OPTIONS = [
  "maxLr",
  "totalSteps",
  "pctStart",
  "annealStrategy",
  "divFactor",
  "finalDivFactor",
  "threePhase",
];

/** The hyperparameters as held and saved: maxLr as one rate per group. */
interface OneCycleHyperparameters {
  maxLr: number[];
  totalSteps: number;
  pctStart: number;
  annealStrategy: "cos" | "linear";
  divFactor: number;
  finalDivFactor: number;
  threePhase: boolean;
}

function validator(groups: number) {
  return (h: Readonly<Record<string, unknown>>, check: Checker): void => {
    if (!Array.isArray(h.maxLr) || h.maxLr.length !== groups) {
      check.fail("maxLr", h.maxLr, `a number, or one number per parameter group (${groups})`);
    }
    (h.maxLr as unknown[]).forEach((lr, i) => {
      check.number(`maxLr[${i}]`, lr, { min: 0 });
    });
    const total = check.integer("totalSteps", h.totalSteps, { above: 0 });
    check.number("pctStart", h.pctStart, { above: 0, below: 1 });
    check.choice("annealStrategy", h.annealStrategy, ["cos", "linear"]);
    check.number("divFactor", h.divFactor, { above: 0 });
    check.number("finalDivFactor", h.finalDivFactor, { above: 0 });
    check.boolean("threePhase", h.threePhase);
    check.integer("lastEpoch", h.lastEpoch, { min: 0, max: total });
  };
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
    checkOptions(op, options, OPTIONS);
    const groups = optimizer?.paramGroups?.length ?? 0;
    const maxLr = options?.maxLr;
    const h: OneCycleHyperparameters = {
      maxLr: (typeof maxLr === "number"
        ? new Array<number>(groups).fill(maxLr)
        : Array.isArray(maxLr)
          ? [...maxLr]
          : maxLr) as number[],
      totalSteps: options?.totalSteps,
      pctStart: options?.pctStart ?? 0.3,
      annealStrategy: options?.annealStrategy ?? "cos",
      divFactor: options?.divFactor ?? 25,
      finalDivFactor: options?.finalDivFactor ?? 1e4,
      threePhase: options?.threePhase ?? false,
    };
    const anneal = (from: number, to: number, t: number) =>
      h.annealStrategy === "cos"
        ? to + ((from - to) / 2) * (Math.cos(Math.PI * t) + 1)
        : from + (to - from) * t;
    super(
      optimizer,
      (epoch, _base, group) => {
        const { totalSteps: total, pctStart: pct } = h;
        check(op, epoch <= total, `stepped ${epoch} times, past totalSteps = ${total}`);
        const max = h.maxLr[group]!;
        const initial = max / h.divFactor;
        const min = initial / h.finalDivFactor;
        const phases: [end: number, from: number, to: number][] = h.threePhase
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
      },
      { op, hyperparameters: h as unknown as Record<string, unknown>, validate: validator(groups) },
    );
  }
}
