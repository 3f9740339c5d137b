/**
 * The choice between splitting a kernel call over the threads and running it on the calling
 * thread, made per call shape from the times of recent calls: each way is tried while the
 * shape is new, the faster is taken, and the slower is retried at growing intervals, so that
 * a machine whose load changes gets the other way back. Times are given, not measured.
 */
import { expect, test } from "vitest";
import { MIN_SPLIT_MS, SplitChoices } from "../../src/backend/wasm/split.js";

/** Makes `calls` calls of shape `key`, each taking `ms(split)`; returns which ways they went. */
function calls(
  choices: SplitChoices,
  key: string,
  count: number,
  ms: (split: boolean) => number,
): boolean[] {
  const ways: boolean[] = [];
  for (let c = 0; c < count; c++) {
    const choice = choices.choose(key);
    ways.push(choice.split);
    choices.record(choice, ms(choice.split));
  }
  return ways;
}

test("a new shape runs three calls each way (the first untimed), then the faster", () => {
  const choices = new SplitChoices();
  const splitFaster = calls(choices, "fast split", 7, (split) => (split ? 1 : 2));
  expect(splitFaster).toEqual([false, false, false, true, true, true, true]);
  const splitSlower = calls(choices, "slow split", 7, (split) => (split ? 3 : 2));
  expect(splitSlower).toEqual([false, false, false, true, true, true, false]);
});

test("the first call each way does not count: it compiles, grows memory and starts threads", () => {
  const choices = new SplitChoices();
  let call = 0;
  // The first local call is very slow; counted, it would make splitting look faster.
  const ways = calls(choices, "shape", 8, (split) => (call++ === 0 ? 100 : split ? 3 : 2));
  expect(ways.slice(6)).toEqual([false, false]);
});

test("calls meant to split while the workers were starting are not timed as splits", () => {
  const choices = new SplitChoices();
  const ways: boolean[] = [];
  // The pool is booting for the first eight calls: those meant to split run unsplit (and
  // slower, in the shared memory); counted, they would settle the shape on not splitting.
  for (let c = 0; c < 16; c++) {
    const choice = choices.choose("shape");
    ways.push(choice.split);
    const booting = c < 8;
    choices.record(choice, choice.split ? (booting ? 3 : 1) : 2, !booting);
  }
  expect(ways.slice(-4)).toEqual([true, true, true, true]);
  // Counted, the same calls leave the shape unsplit but for a retry.
  const counted = new SplitChoices();
  const countedWays: boolean[] = [];
  for (let c = 0; c < 16; c++) {
    const choice = counted.choose("shape");
    countedWays.push(choice.split);
    counted.record(choice, choice.split ? (c < 8 ? 3 : 1) : 2);
  }
  expect(countedWays.slice(-6).filter((split) => split).length).toBeLessThanOrEqual(1);
});

test("the slower way is retried at intervals that double while it keeps losing", () => {
  const choices = new SplitChoices();
  const ways = calls(choices, "shape", 6 + 8 + 16 + 32, (split) => (split ? 1 : 2));
  const retries = ways.flatMap((split, c) => (c >= 6 && !split ? [c - 6] : []));
  expect(retries).toEqual([7, 7 + 16, 7 + 16 + 32]);
});

test("once the machine changes, the other way wins back within a few retries", () => {
  const choices = new SplitChoices();
  calls(choices, "shape", 6 + 40, (split) => (split ? 1 : 2));
  // Now a split costs three times a local call (another job took the second core).
  const after = calls(choices, "shape", 200, (split) => (split ? 6 : 2));
  const firstLocalRun = after.findIndex((_, c) => after.slice(c, c + 20).every((s) => !s));
  expect(firstLocalRun).toBeGreaterThanOrEqual(0);
  expect(firstLocalRun).toBeLessThan(60);
  // After that, splitting is only retried now and then.
  expect(after.slice(100).filter((s) => s).length).toBeLessThanOrEqual(2);
});

test("shapes are timed apart", () => {
  const choices = new SplitChoices();
  calls(choices, "a", 10, (split) => (split ? 1 : 2));
  calls(choices, "b", 10, (split) => (split ? 2 : 1));
  expect(calls(choices, "a", 3, (split) => (split ? 1 : 2))).toEqual([true, true, true]);
  expect(calls(choices, "b", 3, (split) => (split ? 2 : 1))).toEqual([false, false, false]);
});

test("a shape faster than MIN_SPLIT_MS on the calling thread is never split", () => {
  const choices = new SplitChoices();
  const short = MIN_SPLIT_MS / 2;
  const ways = calls(choices, "short", 300, (split) => (split ? short / 4 : short));
  expect(ways.every((split) => !split)).toBe(true);
  // Once its calls take longer (a busier machine, say), splitting is tried.
  const later = calls(choices, "short", 20, (split) => (split ? MIN_SPLIT_MS : 4 * MIN_SPLIT_MS));
  expect(later.filter((split) => split).length).toBeGreaterThan(10);
});

test("a split only a little faster than the calling thread is not taken", () => {
  const choices = new SplitChoices();
  const ways = calls(choices, "shape", 200, (split) => (split ? 1.9 : 2));
  // Only the retries, at intervals of 8, 16, 32 and 64 calls.
  expect(ways.slice(6).filter((split) => split).length).toBe(4);
  const clearly = calls(choices, "other", 200, (split) => (split ? 1.6 : 2));
  expect(clearly.slice(6).filter((split) => !split).length).toBe(4);
});

test("a call now and then several times as long (a collector's pause) does not flip the choice", () => {
  const choices = new SplitChoices();
  let call = 0;
  // Splitting takes half the time, but every sixth call is held up eightfold.
  const ways = calls(choices, "shape", 6 + 120, (split) => {
    const ms = split ? 1 : 2;
    return ++call % 6 === 0 ? 8 * ms : ms;
  });
  // Only the retries of the calling thread, at growing intervals, run unsplit.
  expect(ways.slice(6).filter((split) => !split).length).toBeLessThanOrEqual(4);
});

test("a slower way last timed long ago is retried at once, judged by its new time alone", () => {
  let clock = 0;
  const choices = new SplitChoices(() => clock);
  /** Calls of `ms(split)` each, the clock advancing by each call's time. */
  const timed = (count: number, ms: (split: boolean) => number) =>
    calls(choices, "shape", count, (split) => {
      clock += ms(split);
      return ms(split);
    });
  timed(6 + 100, (split) => (split ? 3.8 : 8.4));
  // A burst of load at the end of a turn: splits take 9 ms, the calling thread alone 8.4.
  const burst = timed(40, (split) => (split ? 9 : 8.4));
  expect(burst.slice(-10).every((split) => !split)).toBe(true);
  // The next turn, 17 s later, on a calm machine: the first call retries the split, which
  // wins at once; the calling thread's own old time is then retried once too, and the split
  // is taken from then on (but for a retry 8 calls on), not 128 calls later.
  clock += 17_000;
  const next = timed(20, (split) => (split ? 3.8 : 8.4));
  expect(next.slice(0, 3)).toEqual([true, false, true]);
  expect(next.slice(3).filter((split) => !split).length).toBeLessThanOrEqual(1);
  // Where the clock stands still (every time counts however old), the burst's times keep the
  // calls unsplit until the retries come round.
  const unaged = new SplitChoices(() => 0);
  calls(unaged, "shape", 6 + 100, (split) => (split ? 3.8 : 8.4));
  calls(unaged, "shape", 40, (split) => (split ? 9 : 8.4));
  const held = calls(unaged, "shape", 20, (split) => (split ? 3.8 : 8.4));
  expect(held.filter((split) => split).length).toBeLessThanOrEqual(1);
});
