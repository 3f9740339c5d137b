/**
 * The reference scan: one line along the scanned axis at a time, in order, written to be
 * obviously correct. The fast backends' scans are held to it bit for bit.
 */
import type { TypedArray } from "../../dtype.js";
import type { ScanKernel } from "../backend.js";

/**
 * log(eᵃ + eᵇ) without overflow, as PyTorch's `_log_add_exp_helper`: max + log1p(e^(min − max)),
 * except that two equal infinities return themselves (their difference would be NaN).
 */
export function logAddExp(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (lo === hi && !Number.isFinite(lo)) return a;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/** The value each running sum, product and log Σ exp starts from (PyTorch's, so −0 sums to 0). */
export const scanStart = { sum: 0, prod: 1, logsumexp: Number.NEGATIVE_INFINITY } as const;

const scanStep: Record<keyof typeof scanStart, (acc: number, x: number) => number> = {
  sum: (acc, x) => acc + x,
  prod: (acc, x) => acc * x,
  logsumexp: logAddExp,
};

/**
 * Whether `v` replaces the running extreme `best`: a later tie does (so cummax reports the
 * last index of its maximum, as PyTorch does), and nothing replaces a NaN.
 */
export function replacesExtreme(op: "max" | "min", v: number, best: number): boolean {
  if (Number.isNaN(best)) return false;
  return Number.isNaN(v) || (op === "max" ? v >= best : v <= best);
}

export function scan(
  op: ScanKernel,
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  out: TypedArray,
  indices: Int32Array | null,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLen * inner + i;
      if (op === "max" || op === "min") {
        let best = Number.NaN;
        let at = 0;
        for (let j = 0; j < axisLen; j++) {
          const k = base + j * inner;
          const v = x[k]!;
          if (j === 0 || replacesExtreme(op, v, best)) {
            best = v;
            at = j;
          }
          out[k] = best;
          if (indices) indices[k] = at;
        }
      } else {
        const step = scanStep[op];
        let acc: number = scanStart[op];
        for (let j = 0; j < axisLen; j++) {
          const k = base + j * inner;
          acc = step(acc, x[k]!);
          out[k] = acc;
        }
      }
    }
  }
}
