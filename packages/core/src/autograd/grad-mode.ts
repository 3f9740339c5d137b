import { GradientError } from "../errors.js";

let gradEnabled = true;

/** Whether ops record themselves on the tape right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets recording on or off and returns the previous setting. Prefer `noGrad(fn)`. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/**
 * Grad mode is one setting for the whole thread, not per async task: JavaScript engines offer
 * no async-context storage in every environment the library runs in (browsers lack Node's
 * AsyncLocalStorage). A mode held across an `await` would leak into whatever other task runs
 * meanwhile, and be gone for the rest of the function after it, so `noGrad` and `enableGrad`
 * take synchronous functions only and refuse async ones.
 */
function refuseAsync(op: string, fn: () => unknown): void {
  if (
    fn.constructor?.name === "AsyncFunction" ||
    fn.constructor?.name === "AsyncGeneratorFunction"
  ) {
    throw new GradientError(op, ASYNC_PROBLEM, asyncHint(op));
  }
}

const ASYNC_PROBLEM =
  "takes a synchronous function: grad mode is global, so it would not hold after an await and would leak into other tasks meanwhile";

function asyncHint(op: string): string {
  return `wrap each synchronous stretch of tensor work in ${op}(() => ...), between the awaits, e.g. const y = ${op}(() => model.forward(x)); await ...`;
}

function runWithMode<T>(op: string, enabled: boolean, fn: () => T): T {
  refuseAsync(op, fn);
  const previous = setGradEnabled(enabled);
  let result: T;
  try {
    result = fn();
  } finally {
    setGradEnabled(previous);
  }
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    // The function ran up to its first await under the mode and goes on without it: say so,
    // and keep its own rejection from going unhandled.
    (result as unknown as Promise<unknown>).then(undefined, () => {});
    throw new GradientError(
      op,
      `${ASYNC_PROBLEM} (the function returned a promise)`,
      asyncHint(op),
    );
  }
  return result;
}

/**
 * Runs the synchronous `fn` without recording ops on the tape (inference, optimizer
 * updates). Async functions are refused with a GradientError: see `refuseAsync`.
 */
export function noGrad<T>(fn: () => T): T {
  return runWithMode("noGrad", false, fn);
}

/** Runs the synchronous `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return runWithMode("enableGrad", true, fn);
}
