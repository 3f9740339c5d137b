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

/** Runs `fn` without recording ops on the tape (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}
