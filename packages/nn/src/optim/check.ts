import { HyperparameterError } from "../errors.js";

/** Bounds of a number: inclusive `min`/`max`, exclusive `above`/`below`. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
  readonly above?: number;
  readonly below?: number;
  readonly integer?: boolean;
}

/** "a finite number ≥ 0", "a number in [0, 1)", "an integer > 0": what a range asks for. */
function describeRange(range: Range): string {
  const kind = range.integer ? "an integer" : "a number";
  const low =
    range.min !== undefined ? `[${range.min}` : range.above !== undefined ? `(${range.above}` : "";
  const high =
    range.max !== undefined ? `${range.max}]` : range.below !== undefined ? `${range.below})` : "";
  if (low && high) return `${kind} in ${low}, ${high}`;
  const finite = range.integer ? kind : `a finite ${kind.slice(2)}`;
  if (low) return `${finite} ${low[0] === "[" ? "≥" : ">"} ${low.slice(1)}`;
  if (high) return `${finite} ${high.endsWith("]") ? "≤" : "<"} ${high.slice(0, -1)}`;
  return finite;
}

/**
 * Checks the values of hyperparameters and state fields for one function (`Adam`,
 * `Adam.loadStateDict`), throwing a `HyperparameterError` that names it, the field (with
 * `prefix`, such as `paramGroups[1].`) and the value. Constructors and `loadStateDict` share
 * each optimizer's and scheduler's checks through it, so restoring accepts exactly what
 * constructing does.
 */
export class Checker {
  constructor(
    readonly op: string,
    readonly prefix = "",
  ) {}

  /** The same function, for fields under `prefix` (appended to this one's). */
  at(prefix: string): Checker {
    return new Checker(this.op, this.prefix + prefix);
  }

  fail(field: string, value: unknown, expected: string, hint?: string): never {
    throw new HyperparameterError(this.op, this.prefix + field, value, expected, hint);
  }

  /** A number (finite, and an integer if asked) within `range`. */
  number(field: string, value: unknown, range: Range = {}): number {
    const ok =
      typeof value === "number" &&
      Number.isFinite(value) &&
      (!range.integer || Number.isSafeInteger(value)) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (range.above === undefined || value > range.above) &&
      (range.below === undefined || value < range.below);
    if (!ok) this.fail(field, value, describeRange(range));
    return value as number;
  }

  /** An integer within `range` (a step count, a number of iterations). */
  integer(field: string, value: unknown, range: Range = {}): number {
    return this.number(field, value, { ...range, integer: true });
  }

  boolean(field: string, value: unknown): boolean {
    if (typeof value !== "boolean") this.fail(field, value, "a boolean (true or false)");
    return value as boolean;
  }

  /** One of a few strings. */
  choice<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
    if (typeof value !== "string" || !choices.includes(value as T)) {
      this.fail(field, value, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`);
    }
    return value as T;
  }

  /** A pair of numbers, each within `range` (Adam's betas). */
  pair(field: string, value: unknown, range: Range): readonly [number, number] {
    if (!Array.isArray(value) || value.length !== 2) {
      this.fail(
        field,
        value,
        `a pair of numbers, each ${describeRange(range).replace(/^an? (finite )?(number|integer) /, "")}`,
      );
    }
    const pair = value as unknown[];
    return [this.number(`${field}[0]`, pair[0], range), this.number(`${field}[1]`, pair[1], range)];
  }

  /** A plain object (not null, not an array). */
  record(field: string, value: unknown, expected = "an object"): Record<string, unknown> {
    if (!isRecord(value)) this.fail(field, value, expected);
    return value as Record<string, unknown>;
  }
}

/** Whether `value` is a non-null object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
