/**
 * The default backend wrapped so that every kernel call is timed: the profiling scripts
 * (kernel-times.ts, conv.ts, split-costs.ts, gpt-kernel-times.ts) register it, make it the
 * active backend, and sum the times `onCall` is given however they need.
 */
import { type Backend, registerBackend, setBackend, wasmBackend } from "@tensortape/core";

/** Registers and activates `name`: wasmBackend with `onCall(kernel, args, ms)` after each call. */
export function useTimedBackend(
  name: string,
  onCall: (kernel: string, args: unknown[], ms: number) => void,
): void {
  const timed: Record<string, unknown> = { ...wasmBackend, name };
  for (const [kernel, fn] of Object.entries(wasmBackend)) {
    if (typeof fn !== "function") continue;
    timed[kernel] = (...args: unknown[]) => {
      const start = performance.now();
      (fn as (...a: unknown[]) => void)(...args);
      onCall(kernel, args, performance.now() - start);
    };
  }
  registerBackend(timed as unknown as Backend);
  setBackend(name);
}
