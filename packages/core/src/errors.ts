import type { DType } from "./dtype.js";
import { formatShape } from "./shape.js";

/** Base class of every error tensortape throws on purpose. */
export class TensortapeError extends Error {
  override name = "TensortapeError";
}

/**
 * Shapes that do not fit an op: inner dimensions of a matmul, broadcasting, a reshape to a
 * different size, data whose length does not match its shape.
 */
export class ShapeError extends TensortapeError {
  override name = "ShapeError";
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly shapes: Readonly<Record<string, readonly number[]>>,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(compose(op, problem, describeShapes(shapes), detail, hint));
  }
}

/** An axis outside `[-rank, rank)`, or named twice. */
export class AxisError extends TensortapeError {
  override name = "AxisError";
  constructor(
    readonly op: string,
    readonly axis: number,
    readonly shape: readonly number[],
    readonly problem = "axis out of range",
  ) {
    super(
      compose(
        op,
        problem,
        `got axis ${axis} for shape ${formatShape(shape)}`,
        `rank ${shape.length}: valid axes are ${-shape.length}..${shape.length - 1}`,
        undefined,
      ),
    );
  }
}

/** Inputs of dtypes an op does not accept together, or at all. */
export class DTypeError extends TensortapeError {
  override name = "DTypeError";
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly dtypes: Readonly<Record<string, DType>>,
    readonly hint?: string,
  ) {
    const got = Object.entries(dtypes)
      .map(([name, dtype]) => `${name} ${dtype}`)
      .join(" and ");
    super(compose(op, problem, `got ${got}`, undefined, hint));
  }
}

/** A bad argument that is neither a shape nor a dtype: an index out of range, a bad option. */
export class ValueError extends TensortapeError {
  override name = "ValueError";
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(compose(op, problem, undefined, undefined, hint));
  }
}

/** Misuse of the backward pass: no gradient required, a released graph, a missing seed. */
export class GradientError extends TensortapeError {
  override name = "GradientError";
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(compose(op, problem, undefined, undefined, hint));
  }
}

/**
 * A backward rule broke its contract: the wrong number of gradients, or a gradient whose
 * shape or dtype differs from its input's. This is a bug in the op, not in the user's model.
 */
export class BackwardRuleError extends TensortapeError {
  override name = "BackwardRuleError";
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly inputIndex?: number,
  ) {
    const where = inputIndex === undefined ? "" : ` (input ${inputIndex})`;
    super(`${op}: backward rule${where}: ${problem}`);
  }
}

/** Thrown in anomaly mode when an op produces NaN or Infinity. */
export class AnomalyError extends TensortapeError {
  override name = "AnomalyError";
  constructor(
    readonly op: string,
    readonly phase: "forward" | "backward",
    readonly inputShapes: readonly (readonly number[])[],
    readonly badValue: number,
    readonly index: number,
    readonly createdAt: string | undefined,
  ) {
    const shapes = inputShapes.map(formatShape).join(", ");
    const where = createdAt ? `\nThe op was recorded at:\n${createdAt}` : "";
    super(`${op}: ${phase} produced ${badValue} at flat index ${index}; inputs ${shapes}${where}`);
  }
}

function describeShapes(shapes: Readonly<Record<string, readonly number[]>>): string {
  const parts = Object.entries(shapes).map(([name, shape]) => `${name} ${formatShape(shape)}`);
  return parts.length === 0 ? "" : `got ${parts.join(" and ")}`;
}

function compose(
  op: string,
  problem: string,
  got: string | undefined,
  detail: string | undefined,
  hint: string | undefined,
): string {
  let message = `${op}: ${problem}`;
  if (got) message += `; ${got}`;
  if (detail) message += ` (${detail})`;
  if (hint) message += `\nhint: ${hint}`;
  return message;
}
