/**
 * How the thread pool reads the machine's load: other processes' CPU use, from the machine's
 * CPU time less this process's own (so that this process's threads never count as someone
 * else's load), and the verdicts drawn from it (busy: kernels stay on the calling thread;
 * crowded: workers sleep between jobs). Readings are given, not measured.
 */
import { expect, test } from "vitest";
import { loadVerdict, OthersLoad } from "../../src/backend/wasm/thread-pool.js";

/**
 * Feeds `load` readings every `everyMs` for `seconds`, the machine using `machineCores` and
 * this process `ownCores` of them; returns the last estimate.
 */
function feed(
  load: OthersLoad,
  seconds: number,
  machineCores: number,
  ownCores: number,
  start = { atMs: 0, machineMs: 0, ownMs: 0 },
  everyMs = 500,
): number {
  let estimate = 0;
  for (let t = 0; t <= seconds * 1000; t += everyMs) {
    start.atMs += everyMs;
    start.machineMs += machineCores * everyMs;
    start.ownMs += ownCores * everyMs;
    estimate = load.read(start.machineMs, start.ownMs, start.atMs);
  }
  return estimate;
}

test("this process's own threads are not other processes' load", () => {
  // Two threads and the collector's keep 1.4 of two cores busy; nobody else runs.
  const load = new OthersLoad();
  expect(feed(load, 60, 1.4, 1.4)).toBeCloseTo(0, 10);
  // The load average such a process raised by itself (2.3) reads neither busy nor crowded.
  expect(loadVerdict(0, 2.3, 2)).toEqual({ busy: false, crowded: false });
});

test("another process's use is measured, and followed within seconds", () => {
  const load = new OthersLoad();
  const clock = { atMs: 0, machineMs: 0, ownMs: 0 };
  expect(feed(load, 30, 2, 1, clock)).toBeCloseTo(1, 2);
  // It stops: the estimate falls back towards 0 over a few seconds (a 5 s time constant).
  const after = feed(load, 10, 1, 1, clock);
  expect(after).toBeGreaterThan(0);
  expect(after).toBeLessThan(0.2);
});

test("one burst of other processes does not flip the verdict", () => {
  const load = new OthersLoad();
  const clock = { atMs: 0, machineMs: 0, ownMs: 0 };
  feed(load, 10, 1, 1, clock);
  const burst = feed(load, 0, 2, 0, clock); // half a second with both cores taken by others
  expect(burst).toBeGreaterThan(0);
  expect(loadVerdict(burst, 2.2, 2).crowded).toBe(false);
});

test("the first reading gives 0; readings that go back in time are ignored", () => {
  const load = new OthersLoad();
  expect(load.read(1000, 500, 10)).toBe(0);
  expect(load.read(900, 500, 5)).toBe(0);
  expect(load.read(1900, 500, 505)).toBeGreaterThan(0);
});

test("busy needs both a long run queue and other processes behind it", () => {
  // Three busy processes beside this one on two cores.
  expect(loadVerdict(1.6, 4.2, 2)).toEqual({ busy: true, crowded: true });
  // A long run queue of this process's own threads alone.
  expect(loadVerdict(0.2, 3.1, 2)).toEqual({ busy: false, crowded: false });
  // One busy process: workers sleep between jobs; splits still go by their measured times.
  expect(loadVerdict(0.9, 2.9, 2)).toEqual({ busy: false, crowded: true });
  // Eight cores: half of them taken by others is crowded, all of them and a queue is busy.
  expect(loadVerdict(3.6, 6, 8)).toEqual({ busy: false, crowded: true });
  expect(loadVerdict(7, 12, 8)).toEqual({ busy: true, crowded: true });
});
