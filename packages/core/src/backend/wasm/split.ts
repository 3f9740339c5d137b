/**
 * Running a kernel over independent parts (rows, planes) on the worker threads: which
 * runtime a call takes (the shared memory, where the workers can see its operands, only when
 * the work is large enough to split and splitting calls of its shape has been measured to
 * pay; the private one, whose copies are faster, otherwise), and the split of a range into
 * one slice per thread.
 *
 * Whether a split pays depends on more than its size: on how busy the machine is (a worker
 * descheduled in the middle of its slice holds the caller up), on whether the worker is awake,
 * and on what the copies into the slower shared memory cost beside the kernel. So beyond a
 * size below which a split never pays, each call shape (kernel and sizes) is timed both ways,
 * whole (copies included), and takes the faster way from then on, trying the other again now
 * and then in case the machine has changed: a training loop repeats the same shapes, so this
 * converges within a few steps. Every split computes each element the same way, so the
 * choice never changes a result.
 */
import type { KernelRuntime } from "./runtime.js";
import { getLocalRuntime, getRuntime, now } from "./runtime.js";
import {
  getPool,
  MAX_SLICES,
  type ParallelKernel,
  poolBooting,
  threadTesting,
  usableThreads,
} from "./thread-pool.js";

/** Recent times of one call shape on the calling thread alone ([0]) and split ([1]). */
export interface ShapeTimes {
  /** The last RECENT milliseconds per call each way, oldest first. */
  readonly recent: [number[], number[]];
  /** When each of `recent` was recorded (the clock's milliseconds). */
  readonly recentAt: [number[], number[]];
  /** The (lower) median of `recent` each way (NaN until measured). */
  ms: [number, number];
  /** Calls timed each way (the first, which compiles and grows memory, is not counted). */
  readonly seen: [number, number];
  /** Calls since the slower way was last tried. */
  since: number;
  /** How many calls to make the faster way before trying the slower one again. */
  every: number;
}

/**
 * Slices per thread a split call is cut into where its size allows: a worker that wakes late
 * then takes fewer of them instead of holding the caller up (see ThreadPool.run).
 */
export const SLICES_PER_THREAD = 4;

/** Calls timed each way (after the first) before the faster is taken. */
const WARM_CALLS = 2;

/**
 * Calls each way whose median stands for that way. A median rather than a moving average:
 * a collector's pause or a descheduled thread lands in one call now and then and makes it
 * several times as long, and an average carried that for several calls, flipping the choice
 * to the slower way meanwhile (in a GPT step on two threads, products 1.9× faster split ran
 * unsplit in a third of their calls).
 */
const RECENT = 5;

/**
 * Times recorded this many milliseconds before the newest of their way no longer count, and
 * a slower way last timed this long ago is retried at the next call. The slower way is
 * timed only at its retries, up to TRY_MAX calls apart, which in a loop that comes back to a
 * shape now and then (a benchmark's turns, an evaluation between epochs) can be minutes: times
 * from a burst of load long past then held the faster way back. In pnpm bench, a 512³ aᵀ·b
 * product split in 3.8 ms ran unsplit at 9.1–9.6 ms for a whole turn of 130 calls, its split
 * judged by a 8.4 ms time from 17 s before, until the turn's first retry. Long enough that a
 * training step's shapes, timed every step, are not retried more often.
 */
const STALE_MS = 5000;

/**
 * The median of `xs` (not empty), the lower of the middle two for an even count: a pause only
 * ever lengthens a call, so of two times the shorter is the likelier.
 */
function lowerMedian(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * A call shape that takes less than this many milliseconds on the calling thread alone is
 * never split. Inside a training step, on a two-core virtual machine, splits of shorter calls
 * lost where the same calls timed back to back won: a worker idle for the milliseconds
 * between them takes 50–100 µs and more to wake, its caches are cold, and while it runs it
 * takes the core V8's garbage collector threads would have used. A transformer step whose
 * 0.5–0.9 ms products were split was 4–10 % slower than on one thread, and an MNIST epoch
 * whose 1.2–1.5 ms products were split 3–9 % slower; steps whose split products take 2.5 ms
 * and more gained (1.1–1.3× for a 784-256-128-10 MLP, 1.2× for the GPT step).
 */
export const MIN_SPLIT_MS = 2;

/**
 * A split must be measured at least this much faster than the calling thread alone (the
 * ratio of their times) to be taken: what a split costs beyond its own call (the garbage
 * collector's lost core, a descheduled worker) does not show in the call's time.
 */
const SPLIT_MARGIN = 0.85;
/**
 * The slower way is tried again every TRY_MIN to TRY_MAX calls (the interval doubles each
 * time it loses again), and at the first call once its last time is STALE_MS old.
 */
const TRY_MIN = 8;
const TRY_MAX = 128;
/** Shapes remembered at once; past this the table starts over (a shape costs a few calls to learn). */
const MAX_SHAPES = 1024;

/** Which way a call of one shape goes, and whether that is a retry of the slower way. */
export interface SplitChoice {
  readonly times: ShapeTimes;
  readonly split: boolean;
  readonly retry: boolean;
}

/** Whether `times` say splitting pays: faster by SPLIT_MARGIN. */
function splitFaster(times: ShapeTimes): boolean {
  return times.ms[1] < SPLIT_MARGIN * times.ms[0];
}

/** Per call shape, the recent times of calls split and not, and the choice they make. */
export class SplitChoices {
  readonly #shapes = new Map<string, ShapeTimes>();
  readonly #clock: () => number;

  /** `clock`: milliseconds, for how old a time is (tests pass their own). */
  constructor(clock: () => number = now) {
    this.#clock = clock;
  }

  /**
   * Whether a call of shape `key` should split: the way measured faster for that shape, or
   * the other for a retry, or each in turn while the shape is new.
   */
  choose(key: string): SplitChoice {
    let times = this.#shapes.get(key);
    if (!times) {
      if (this.#shapes.size >= MAX_SHAPES) this.#shapes.clear();
      times = {
        recent: [[], []],
        recentAt: [[], []],
        ms: [Number.NaN, Number.NaN],
        seen: [0, 0],
        since: 0,
        every: TRY_MIN,
      };
      this.#shapes.set(key, times);
    }
    if (times.seen[0] <= WARM_CALLS || !(times.ms[0] >= MIN_SPLIT_MS)) {
      return { times, split: false, retry: false };
    }
    if (times.seen[1] <= WARM_CALLS) return { times, split: true, retry: false };
    const faster = splitFaster(times);
    const slowerAt = times.recentAt[faster ? 0 : 1];
    const stale = this.#clock() - slowerAt[slowerAt.length - 1]! > STALE_MS;
    const retry = ++times.since >= times.every || stale;
    if (retry) times.since = 0;
    return { times, split: retry ? !faster : faster, retry };
  }

  /**
   * Records that the call `choice` was made for took `ms` milliseconds, copies included.
   * `splitRan`: whether a call meant to split could (false while the workers are still
   * starting, when it ran on the calling thread alone: then its time says nothing of either
   * way, and is dropped).
   */
  record({ times, split, retry }: SplitChoice, ms: number, splitRan = true): void {
    if (split && !splitRan) return;
    const way = split ? 1 : 0;
    const faster = splitFaster(times);
    const seen = times.seen[way]++;
    if (seen === 0) return;
    const recent = times.recent[way];
    const recentAt = times.recentAt[way];
    const at = this.#clock();
    recent.push(ms);
    recentAt.push(at);
    while (recent.length > RECENT || recentAt[0]! < at - STALE_MS) {
      recent.shift();
      recentAt.shift();
    }
    times.ms[way] = lowerMedian(recent);
    if (retry) {
      const still = splitFaster(times) === faster;
      times.every = still ? Math.min(2 * times.every, TRY_MAX) : TRY_MIN;
    }
  }

  /** Forgets every shape's times. */
  clear(): void {
    this.#shapes.clear();
  }
}

const choices = new SplitChoices();

/** The call being timed, and when it started. */
let pending: { choice: SplitChoice; start: number } | undefined;

/**
 * Ends the timing of the kernel call that `runtimeFor` started, once its results are copied
 * out; does nothing when that call was not timed. A call that fell back to another backend is
 * simply not ended, and the next call's choice drops it.
 */
export function endSplitTiming(): void {
  if (!pending) return;
  // A call meant to split while the workers were still starting ran on the calling thread
  // alone, in the slower shared memory: timed as a split, it made the first calls of every
  // shape (while a new pool's workers compile the kernels, 50–200 ms) look slower split, and
  // the shape then ran unsplit until its next retry, 8 to 128 calls later.
  choices.record(pending.choice, now() - pending.start, !poolBooting());
  pending = undefined;
}

/** Forgets every shape's times (for benchmarks that compare thread counts afresh). */
export function forgetSplitTimes(): void {
  choices.clear();
  pending = undefined;
}

/**
 * The runtime for a kernel call of shape `key()` (kernel and sizes, made only when needed) over `work` elements that
 * can be split into slices of at least `minSlice` elements: the shared one when that makes
 * two slices or more, threads are usable now, and splitting this shape has been measured to
 * pay (always, while tests force threads on); else the private one; null where the kernels
 * cannot run. Call `endSplitTiming` once the call's results are copied out.
 */
export function runtimeFor(
  work: number,
  minSlice: number,
  key: () => string,
): KernelRuntime | null {
  pending = undefined;
  if (work >= 2 * minSlice && usableThreads() > 1) {
    const shared = getRuntime();
    if (shared?.shared) {
      if (threadTesting.busy === false) return shared;
      const choice = choices.choose(key());
      pending = { choice, start: now() };
      if (choice.split) return shared;
    }
  }
  return getLocalRuntime();
}

/**
 * Runs `kernel` over [0, count) in contiguous slices, `args(start, end)` giving each slice's
 * arguments: on the calling thread alone for a private runtime, else in up to
 * SLICES_PER_THREAD slices per thread of the pool, with at least `minCount` of the range per slice. Call after the operands are in
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
    ? Math.max(
        1,
        Math.min(
          pool.threads() * SLICES_PER_THREAD,
          MAX_SLICES,
          Math.floor(count / Math.max(1, minCount)),
        ),
      )
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
