import type { DType } from "./dtype.js";
import { formatShape } from "./shape.js";

/** Base class of every error tensortape throws on purpose. */
export class TensortapeError extends Error {
  /** The class name, so logs and stack traces say which error this is. */
  override name = "TensortapeError";
}

/**
 * Shapes that do not fit an op: inner dimensions of a matmul, broadcasting, a reshape to a
 * different size, data whose length does not match its shape.
 */
export class ShapeError extends TensortapeError {
  /** Always `"ShapeError"`, for logs and stack traces. */
  override name = "ShapeError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** The offending shapes by argument name. */
    readonly shapes: Readonly<Record<string, readonly number[]>>,
    /** What was expected of the shapes, when the problem alone does not say. */
    readonly detail?: string,
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    super(compose(op, problem, describeShapes(shapes), detail, hint));
  }
}

/** `-rank..rank-1`; a 0-d tensor takes 0 and -1, as if it had one axis (PyTorch's wrap_scalar). */
function validAxes(shape: readonly number[]): string {
  const rank = Math.max(shape.length, 1);
  return `${-rank}..${rank - 1}`;
}

/** An axis outside `[-rank, rank)` (`[-1, 0]` for a 0-d tensor), or named twice. */
export class AxisError extends TensortapeError {
  /** Always `"AxisError"`, for logs and stack traces. */
  override name = "AxisError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** The axis as the caller gave it, before wrapping negatives. */
    readonly axis: number,
    /** The shape of the tensor the axis was meant for. */
    readonly shape: readonly number[],
    /** What went wrong: out of range by default, or a repeated axis. */
    readonly problem = "axis out of range",
  ) {
    super(
      compose(
        op,
        problem,
        `got axis ${axis} for shape ${formatShape(shape)}`,
        `rank ${shape.length}: valid axes are ${validAxes(shape)}`,
        undefined,
      ),
    );
  }
}

/** Inputs of dtypes an op does not accept together, or at all. */
export class DTypeError extends TensortapeError {
  /** Always `"DTypeError"`, for logs and stack traces. */
  override name = "DTypeError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** The offending dtypes by argument name. */
    readonly dtypes: Readonly<Record<string, DType>>,
    /** How to fix it, when there is an obvious fix. */
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
  /** Always `"ValueError"`, for logs and stack traces. */
  override name = "ValueError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    super(compose(op, problem, undefined, undefined, hint));
  }
}

/** Misuse of the backward pass: no gradient required, a released graph, a missing seed. */
export class GradientError extends TensortapeError {
  /** Always `"GradientError"`, for logs and stack traces. */
  override name = "GradientError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    super(compose(op, problem, undefined, undefined, hint));
  }
}

/**
 * A tensor that an op kept for its backward rule was changed in place between the forward
 * pass and `backward()` (by an optimizer step, loading a state dict, `bumpVersion()`), so the
 * rule would compute a gradient from values the forward never saw. PyTorch raises the same.
 */
export class InplaceModificationError extends GradientError {
  /** Always `"InplaceModificationError"`, for logs and stack traces. */
  override name = "InplaceModificationError";
  constructor(
    op: string,
    /** Which tensor: "input 0", "output", "saved". */
    readonly which: string,
    /** The shape of the modified tensor. */
    readonly shape: readonly number[],
    /** The tensor's `version` when the op saved it. */
    readonly savedVersion: number,
    /** The tensor's `version` when `backward()` reached the op. */
    readonly currentVersion: number,
  ) {
    super(
      op,
      `a tensor needed for the gradient (${which}, shape ${formatShape(shape)}) was modified by an in-place operation; it was at version ${savedVersion} when the op ran and is now at version ${currentVersion}`,
      "compute the loss again after the in-place change (optimizer.step(), loadStateDict()) and call backward() on the new graph",
    );
  }
}

/**
 * A backward rule broke its contract: the wrong number of gradients, or a gradient whose
 * shape or dtype differs from its input's. This is a bug in the op, not in the user's model.
 */
export class BackwardRuleError extends TensortapeError {
  /** Always `"BackwardRuleError"`, for logs and stack traces. */
  override name = "BackwardRuleError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** Which input's gradient was wrong, when the problem is with one. */
    readonly inputIndex?: number,
  ) {
    const where = inputIndex === undefined ? "" : ` (input ${inputIndex})`;
    super(`${op}: backward rule${where}: ${problem}`);
  }
}

/** Thrown in anomaly mode when an op produces NaN or Infinity. */
export class AnomalyError extends TensortapeError {
  /** Always `"AnomalyError"`, for logs and stack traces. */
  override name = "AnomalyError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** Whether the op's forward or its backward rule produced the value. */
    readonly phase: "forward" | "backward",
    /** The shapes of the op's inputs. */
    readonly inputShapes: readonly (readonly number[])[],
    /** The first non-finite value found: NaN, Infinity or -Infinity. */
    readonly badValue: number,
    /** Where that value sits in the output (or gradient), as a flat row-major index. */
    readonly index: number,
    /** The stack trace from where the op was recorded, when anomaly mode captured one. */
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

/**
 * An options object with a key the function does not take. Misspelt options would otherwise
 * be ignored without a word (`ignoreIndex` where the function knows none), so every function
 * that takes an options object checks its keys.
 */
export class OptionError extends TensortapeError {
  /** Always `"OptionError"`, for logs and stack traces. */
  override name = "OptionError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** The unknown key. */
    readonly key: string,
    /** The keys the function takes. */
    readonly known: readonly string[],
    /** The nearest known key when the unknown one looks like a misspelling of it. */
    readonly suggestion: string | undefined,
  ) {
    const valid = known.length === 0 ? "it takes no options" : `valid options: ${known.join(", ")}`;
    super(
      compose(
        op,
        `unknown option "${key}"`,
        undefined,
        valid,
        suggestion === undefined ? undefined : `did you mean "${suggestion}"?`,
      ),
    );
  }
}

/** Optimal-string-alignment distance, for the "did you mean" hint of unknown options. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1);
      best = Math.min(best, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * Throws an `OptionError` naming `op` and the first key of `options` that is not in `known`,
 * with the nearest known key as a hint. `undefined` and `null` options pass.
 * @example checkOptions("crossEntropy", options, ["reduction", "ignoreIndex"])
 */
export function checkOptions(
  op: string,
  options: object | undefined | null,
  known: readonly string[],
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new ValueError(
      op,
      `options must be an object, got ${Array.isArray(options) ? "an array" : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let suggestion: string | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const candidate of known) {
      const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
      if (distance < best) {
        best = distance;
        suggestion = candidate;
      }
    }
    // A hint only when the key is plausibly a misspelling of it.
    const close = suggestion !== undefined && best <= Math.max(2, Math.floor(key.length / 3));
    throw new OptionError(op, key, known, close ? suggestion : undefined);
  }
}

/**
 * Tensors on different devices met in one op, or a tensor's dtype cannot live on the device
 * it was sent to (WebGPU has no float64). Move data explicitly with `t.to(device)`.
 */
export class DeviceError extends TensortapeError {
  /** Always `"DeviceError"`, for logs and stack traces. */
  override name = "DeviceError";
  constructor(
    /** The op or function that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words, naming both devices. */
    readonly problem: string,
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    super(compose(op, problem, undefined, undefined, hint));
  }
}

/**
 * A synchronous read of device data (`t.data`, `item()`, `toString()`, or an op whose output
 * shape depends on its data, such as `nonzero`) where the thread may not block: a browser's
 * main thread. The message names the async call to use instead.
 */
export class BlockingReadError extends TensortapeError {
  /** Always `"BlockingReadError"`, for logs and stack traces. */
  override name = "BlockingReadError";
  constructor(
    /** The property, method or op that needed the data. */
    readonly op: string,
    /** The device the data lives on. */
    readonly device: string,
    /** The async call that does the same without blocking, as the hint names it. */
    readonly instead = "`await t.read()` (or `await t.toArrayAsync()`)",
  ) {
    super(
      compose(
        op,
        `cannot read ${device} data synchronously on a thread that may not block (a browser's main thread)`,
        undefined,
        undefined,
        `use ${instead}, or run the model in a Web Worker`,
      ),
    );
  }
}
