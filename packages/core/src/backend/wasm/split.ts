/**
 * Running a kernel over independent parts (rows, planes) on the worker threads: which
 * runtime a call takes (the shared memory, where the workers can see its operands, only when
 * the work is large enough to split; the private one, whose copies are faster, otherwise),
 * and the split of a range into one slice per thread.
 */
import type { KernelRuntime } from "./runtime.js";
import { getLocalRuntime, getRuntime } from "./runtime.js";
import { getPool, type ParallelKernel, usableThreads } from "./thread-pool.js";

/**
 * The runtime for a kernel over `work` elements that can be split into slices of at least
 * `minSlice` elements: the shared one when that makes two slices or more and threads are
 * usable now, else the private one; null where the kernels cannot run.
 */
export function runtimeFor(work: number, minSlice: number): KernelRuntime | null {
  if (work >= 2 * minSlice && usableThreads() > 1) {
    const shared = getRuntime();
    if (shared?.shared) return shared;
  }
  return getLocalRuntime();
}

/**
 * Runs `kernel` over [0, count) in contiguous slices, `args(start, end)` giving each slice's
 * arguments: on the calling thread alone for a private runtime, else split over the pool's
 * threads with at least `minCount` of the range per slice. Call after the operands are in
 * `runtime`'s memory (after its reset): a pool holds the memory it started on.
 */
export function runSplit(
  runtime: KernelRuntime,
  kernel: ParallelKernel,
  count: number,
  minCount: number,
  args: (start: number, end: number) => number[],
): void {
  const pool = runtime.shared ? getPool(runtime) : null;
  const parts = pool
    ? Math.max(1, Math.min(pool.threads(), Math.floor(count / Math.max(1, minCount))))
    : 1;
  if (!pool || parts < 2) {
    (runtime.exports[kernel] as (...a: number[]) => void)(...args(0, count));
    return;
  }
  const slices: number[][] = [];
  for (let s = 0; s < parts; s++) {
    slices.push(args(Math.floor((count * s) / parts), Math.floor((count * (s + 1)) / parts)));
  }
  pool.run(kernel, slices);
}
