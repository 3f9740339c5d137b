/** Timing with Benchmark.js: the median of its samples, in milliseconds per call. */
import Benchmark from "benchmark";

export interface MeasureOptions {
  /** Seconds to keep sampling (Benchmark.js's maxTime). */
  readonly seconds: number;
  /** Fewest samples to take (Benchmark.js's minSamples). */
  readonly samples: number;
}

export function medianMs(fn: () => void, { seconds, samples }: MeasureOptions): number {
  fn(); // warm up: compile, tier up, start worker threads
  const bench = new Benchmark("", fn, { maxTime: seconds, minSamples: samples, initCount: 1 });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const sorted = [...bench.stats.sample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return median * 1000;
}
