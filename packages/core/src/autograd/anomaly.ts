import type { TypedArray } from "../dtype.js";
import { AnomalyError } from "../errors.js";

let anomalyMode = false;

/** Whether anomaly detection is on (see `detectAnomaly`). */
export function isAnomalyEnabled(): boolean {
  return anomalyMode;
}

/**
 * Turns anomaly detection on or off globally. While on, every op remembers the stack that
 * created it, and any NaN or Infinity produced by a forward or a backward rule throws an
 * `AnomalyError` naming the op. Off by default: when off it costs one boolean test per op.
 */
export function setAnomalyEnabled(enabled: boolean): boolean {
  const previous = anomalyMode;
  anomalyMode = enabled;
  return previous;
}

// How many op forwards and backward rules are running now. The ops they call are not checked
// one by one: what the outer forward or rule returns is checked, and reported under its op.
let opDepth = 0;

/** Whether an op's forward output should be checked for NaN and Infinity right now. */
export function isForwardCheckEnabled(): boolean {
  return anomalyMode && opDepth === 0;
}

/** Runs an op's forward or backward rule; the ops it calls are not checked on their own. */
export function insideOp<T>(fn: () => T): T {
  opDepth++;
  try {
    return fn();
  } finally {
    opDepth--;
  }
}

/** Runs `fn` (forward and backward both, if it calls `backward`) with anomaly detection on. */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = setAnomalyEnabled(true);
  try {
    return fn();
  } finally {
    setAnomalyEnabled(previous);
  }
}

// The library's own frames: its sources, its build, and the package when installed.
const LIBRARY_FRAME =
  /[/\\]packages[/\\]core[/\\](?:src|dist)[/\\]|@tensortape[/\\]core[/\\]|node:internal/;
// How many of the user's frames a report keeps.
const USER_FRAMES = 10;

/** The user's stack at the moment an op is recorded, without the library's own frames. */
export function captureCreationStack(): string | undefined {
  // Composite ops nest several library frames, and V8 keeps only 10 by default: too few to
  // reach the user's code. Only paid in anomaly mode.
  const errorClass = Error as { stackTraceLimit?: number };
  const limit = errorClass.stackTraceLimit;
  if (limit !== undefined) errorClass.stackTraceLimit = Math.max(limit, 100);
  const stack = new Error().stack;
  if (limit !== undefined) errorClass.stackTraceLimit = limit;
  if (!stack) return undefined;
  return stack
    .split("\n")
    .slice(1)
    .filter((line) => !LIBRARY_FRAME.test(line))
    .slice(0, USER_FRAMES)
    .join("\n");
}

export function checkFinite(
  op: string,
  phase: "forward" | "backward",
  data: TypedArray,
  inputShapes: readonly (readonly number[])[],
  createdAt: string | undefined,
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new AnomalyError(op, phase, inputShapes, v, i, createdAt);
  }
}
