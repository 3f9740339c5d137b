import { noGrad } from "../../autograd/grad-mode.js";
import { rand, zeros } from "../../creation.js";
import { type DeviceName, deviceRuntime } from "../../device.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import type { Generator } from "../../random.js";
import { formatShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { cast } from "../cast.js";
import { gt, le, lt } from "../comparison.js";
import { div } from "../div.js";
import { isfinite } from "../elementwise/isfinite.js";
import { log1p } from "../elementwise/log1p.js";
import { logicalNot } from "../elementwise/logical-not.js";
import { logicalOr } from "../elementwise/logical-or.js";
import { checkOnDevice, requireFloat } from "../kernels.js";
import { neg } from "../neg.js";
import { any } from "../reduction/any.js";
import { cumsum } from "../reduction/cumsum.js";
import { reshape } from "../reshape.js";
import { slice } from "../slice.js";
import { searchsorted } from "../sorting/searchsorted.js";
import { topk } from "../sorting/topk.js";
import { to } from "../to-device.js";
import { where } from "../where.js";

const OP = "multinomial";

/** Whether tensors of `dtype` can live on `device` (a GPU has no float64). */
function deviceHolds(device: DeviceName, dtype: "float64"): boolean {
  return device === "cpu" || deviceRuntime(OP, device).supports(dtype);
}

/** Options of `multinomial`. */
export interface MultinomialOptions {
  /** Draw with replacement (a category may repeat) or without (default: each at most once). */
  readonly replacement?: boolean;
  /** Default: the generator seeded by `manualSeed`, read at each call. */
  readonly generator?: Generator;
}

/**
 * Throws unless every probability is finite and non-negative and every row sums to more than
 * 0. On a device the checks stay there and report at the next read (checkOnDevice), so that
 * drawing costs no wait and works where the thread may not block.
 */
function checkProbabilities(p: Tensor, shape: readonly number[]): void {
  checkOnDevice(
    OP,
    any(logicalOr(logicalNot(isfinite(p)), lt(p, 0))),
    `the probabilities ${shape.length === 1 ? "" : "of every row "}must be finite and non-negative; got inf, NaN or an element < 0`,
  );
  const c = p.shape[p.rank - 1]!;
  const total = cumsum(p, -1);
  const sums = slice(
    total,
    p.shape.map((_, a) => (a === p.rank - 1 ? c - 1 : 0)),
    p.shape,
  );
  checkOnDevice(
    OP,
    any(le(sums, 0)),
    `every row's probabilities must have a positive sum; got a row that sums to 0 in probs ${formatShape(shape)}`,
  );
}

/**
 * Draws category indices from each row of `probs`, read as unnormalised probabilities
 * (non-negative, each row with a positive sum), as `torch.multinomial`. With replacement each
 * draw is independent (the inverse of the row's cumulative sum at a uniform sample); without,
 * a category is drawn at most once, each next draw from the categories left in proportion to
 * their probabilities, so a row with fewer non-zero categories than `numSamples` gives its
 * zero-probability ones last, in index order. Carries no gradient.
 * probs: [C] → [numSamples] (int32); [N, C] → [N, numSamples] (int32)
 * @example multinomial(tensor([0, 1, 3]), 4, { replacement: true }) // e.g. tensor([2, 2, 1, 2], dtype=int32)
 */
export function multinomial(
  probs: Tensor,
  numSamples: number,
  options: MultinomialOptions = {},
): Tensor {
  checkOptions(OP, options, ["replacement", "generator"]);
  if (!(probs instanceof Tensor)) {
    throw new ValueError(OP, `probs must be a Tensor; got ${typeof probs}`);
  }
  requireFloat(OP, probs);
  if (probs.rank !== 1 && probs.rank !== 2) {
    throw new ShapeError(OP, "probs must be 1-d [C] or 2-d [N, C]", { probs: probs.shape });
  }
  const replacement = options.replacement ?? false;
  if (typeof replacement !== "boolean") {
    throw new ValueError(OP, `replacement must be a boolean; got ${String(replacement)}`);
  }
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new ValueError(OP, `numSamples must be a positive integer; got ${numSamples}`);
  }
  const c = probs.shape[probs.rank - 1]!;
  if (!replacement && numSamples > c) {
    throw new ValueError(
      OP,
      `cannot draw numSamples = ${numSamples} of ${c} categories without replacement`,
      "pass { replacement: true }, or draw at most as many samples as categories",
    );
  }
  const rows = probs.rank === 1 ? 1 : probs.shape[0]!;
  const outShape = probs.rank === 1 ? [numSamples] : [rows, numSamples];
  if (rows === 0) return zeros(outShape, { dtype: "int32", device: probs.device });
  const random = options.generator ? { generator: options.generator } : {};
  return noGrad(() => {
    // float64 throughout, so that the cumulative sums of float32 rows round only once; on a
    // device without float64 (a GPU), float32.
    const work = deviceHolds(probs.device, "float64") ? "float64" : "float32";
    const p = reshape(cast(probs, work), [rows, c]);
    checkProbabilities(p, probs.shape);
    // Drawn on the CPU, so a seed gives the same uniforms on every device.
    const draws = [rows, replacement ? numSamples : c];
    const u = to(
      cast(rand(draws, { dtype: "float64", device: "cpu", ...random }), work),
      probs.device,
    );
    let drawn: Tensor;
    if (replacement) {
      // The first category whose cumulative sum exceeds u·total. u < 1 keeps u·total below
      // the total, and a zero-probability category never exceeds its predecessor's sum.
      const cdf = cumsum(p, -1);
      const total = slice(cdf, [0, c - 1], [rows, c]);
      drawn = searchsorted(cdf, u.mul(total), { right: true });
    } else {
      // Exponential races: category i finishes at Eᵢ/pᵢ with Eᵢ ~ Exp(1); the order in which
      // they finish is that of drawing without replacement in proportion to p. Categories of
      // probability 0 never finish and are ranked last, by index (topk takes ties in order).
      const exponential = neg(log1p(neg(u)));
      const keys = where(gt(p, 0), div(p, exponential), -1);
      drawn = topk(keys, numSamples, -1).indices;
    }
    return reshape(drawn, outShape);
  });
}
