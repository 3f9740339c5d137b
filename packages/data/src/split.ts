import { checkOptions, Generator, ValueError } from "@tensortape/core";
import { type Dataset, Subset } from "./dataset.js";
import { formatValue } from "./format-value.js";

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** Seeds the shuffle (default 0): the same seed gives the same split on every machine. */
  readonly seed?: number;
}

/**
 * Splits a data set into non-overlapping random subsets: `lengths` are either counts that sum
 * to `dataset.length`, or fractions that sum to 1 (counts are rounded down, and the examples
 * left over go one each to the first subsets).
 * @example
 * const [train, validation] = randomSplit(mnistTrain, [55000, 5000], { seed: 0 });
 * const [a, b] = randomSplit(mnistTrain, [0.9, 0.1]); // 54000 and 6000
 */
export function randomSplit(
  dataset: Dataset,
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset[] {
  checkOptions("randomSplit", options, ["seed"]);
  const { seed = 0 } = options;
  if (!Number.isSafeInteger(seed)) {
    throw new ValueError("randomSplit", `seed must be an integer; got ${formatValue(seed)}`);
  }
  if (!Array.isArray(lengths)) {
    throw new ValueError(
      "randomSplit",
      `lengths must be an array of counts or fractions; got ${formatValue(lengths)}`,
    );
  }
  const n = dataset.length;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValueError(
      "randomSplit",
      `dataset.length must be a non-negative integer; got ${formatValue(n)}`,
    );
  }
  const counts = resolveCounts(lengths, n);
  const order = new Generator(seed).permutation(n);
  const subsets: Subset[] = [];
  let offset = 0;
  for (const count of counts) {
    subsets.push(new Subset(dataset, order.subarray(offset, offset + count)));
    offset += count;
  }
  return subsets;
}

function resolveCounts(lengths: readonly number[], n: number): number[] {
  const list = `[${lengths.join(", ")}]`;
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (lengths.length > 0 && lengths.every((l) => Number.isInteger(l) && l >= 0) && sum === n) {
    return [...lengths];
  }
  const fractions = lengths.length > 0 && lengths.every((l) => l >= 0 && l <= 1);
  if (!fractions || Math.abs(sum - 1) > 1e-9) {
    throw new ValueError(
      "randomSplit",
      `lengths must be counts that sum to the data set's length ${n} or fractions that sum to 1; got ${list}`,
    );
  }
  const counts = lengths.map((f) => Math.floor(f * n));
  let left = n - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % counts.length, left--) counts[i]! += 1;
  return counts;
}
