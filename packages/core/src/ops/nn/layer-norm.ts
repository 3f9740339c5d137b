import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import { shapesEqual } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { div } from "../div.js";
import { rsqrt } from "../elementwise/rsqrt.js";
import { asTensor, empty, onDevice, requireFloat } from "../kernels.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { sum } from "../sum.js";

/** Options of `layerNorm`, as PyTorch's `F.layer_norm` takes them. */
export interface LayerNormOptions {
  /** Added to the variance before its square root. Default 1e-5. */
  readonly eps?: number;
}

interface LayerNormAttrs {
  /** The trailing axes normalised over. */
  readonly axes: readonly number[];
  /** The leading axes, over which the weight's and bias's gradients sum. */
  readonly leading: readonly number[];
  /** Elements per normalised group. */
  readonly count: number;
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

/** The normalised input x̂ = (x − mean)·rstd and rstd = 1/√(var + eps), per group. */
interface Normalized {
  readonly xhat: Tensor;
  readonly rstd: Tensor;
}

/** The weight and bias among an op's inputs after x, each present or not. */
function affineOf(
  affine: readonly Tensor[],
  { hasWeight, hasBias }: LayerNormAttrs,
): { weight?: Tensor; bias?: Tensor } {
  return {
    weight: hasWeight ? affine[0] : undefined,
    bias: hasBias ? affine[hasWeight ? 1 : 0] : undefined,
  };
}

/** x̂ and rstd from tensor ops: recorded when grad mode is on, for second derivatives. */
function normalize(x: Tensor, { axes, count, eps }: LayerNormAttrs): Normalized {
  const centred = sub(x, div(sum(x, axes, true), count));
  const variance = div(sum(mul(centred, centred), axes, true), count);
  const rstd = rsqrt(add(variance, eps));
  return { xhat: mul(centred, rstd), rstd };
}

const layerNormOp: OpSpec<LayerNormAttrs, Normalized> = {
  name: "layerNorm",
  // One node on the tape and one kernel pass over the rows (the composite recorded eleven ops
  // and made seven passes over the activations); x̂ and rstd are kept for the backward.
  forward: ([x, ...affine], attrs) => {
    const { weight, bias } = affineOf(affine, attrs);
    const { count, axes, eps } = attrs;
    const rows = count === 0 ? 0 : x!.size / count;
    const out = empty(x!.shape, x!.dtype);
    const xhat = empty(x!.shape, x!.dtype);
    const rstd = empty(
      x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      x!.dtype,
    );
    getBackend().layerNorm(
      x!.storage,
      rows,
      count,
      weight?.storage ?? null,
      bias?.storage ?? null,
      eps,
      out.storage,
      xhat.storage,
      rstd.storage,
    );
    // Only the rule reads x̂ and rstd: their memory is reused once it has run.
    return { output: out, saved: { xhat, rstd }, scratch: [xhat, rstd] };
  },
  // With ĝ = g·w: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dw = Σ g·x̂, db = Σ g, the sums over
  // the leading axes; dx in one kernel pass. When the backward is itself recorded (second
  // derivatives), x̂ and rstd are recomputed from x with tensor ops, and dx formed from them,
  // so that their dependence on x is on the tape too.
  backward: (g, { inputs, saved, attrs }) => {
    const [x, ...affine] = inputs;
    const { weight, bias } = affineOf(affine, attrs);
    const recorded = isGradEnabled();
    const { xhat, rstd } = recorded ? normalize(x!, attrs) : saved;
    const { axes, leading, count } = attrs;
    const overLeading = (t: Tensor) => (leading.length > 0 ? sum(t, leading) : t);
    // dw first: g·x̂ is summed over the leading axes into a new array, and when there are
    // rows to sum, its own array is free again for dx (saves an array of x's size per call).
    const weightTerms = weight?.requiresGrad ? mul(g, xhat) : null;
    const dw = weightTerms ? overLeading(weightTerms) : null;
    const rows = count === 0 ? 0 : x!.size / count;
    const spare = weightTerms && !recorded && leading.length > 0 && rows > 1 ? weightTerms : null;
    let dx: Tensor | null = null;
    if (x!.requiresGrad && recorded) {
      const scaled = weight ? mul(g, weight) : g;
      const meanGrad = div(sum(scaled, axes, true), count);
      const meanProjection = div(sum(mul(scaled, xhat), axes, true), count);
      dx = mul(sub(sub(scaled, meanGrad), mul(xhat, meanProjection)), rstd);
    } else if (x!.requiresGrad) {
      // Outside an op's forward: the kernel and dx go to x's device explicitly.
      dx = onDevice(x!.device, () => {
        const out = spare ?? empty(x!.shape, x!.dtype);
        const w = weight?.storage ?? null;
        getBackend().layerNormBackward(
          g.storage,
          xhat.storage,
          rstd.storage,
          w,
          rows,
          count,
          out.storage,
        );
        return out;
      });
    }
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(dw);
    if (bias) grads.push(bias.requiresGrad ? overLeading(g) : null);
    return grads;
  },
};

/**
 * Layer normalisation over the trailing `normalizedShape` dimensions, as PyTorch's
 * `F.layer_norm`: each group of those dimensions is shifted to mean 0 and scaled to variance
 * 1 (the biased variance, plus `eps`), then multiplied by `weight` and shifted by `bias`
 * (each of shape `normalizedShape`), when given. One op on the tape, with its own backward.
 * x: [...B, ...N] → [...B, ...N], N = normalizedShape
 * @example layerNorm(tensor([[1, 2, 3]]), [3]) // tensor([[-1.2247, 0., 1.2247]])
 */
export function layerNorm(
  x: TensorLike,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: LayerNormOptions = {},
): Tensor {
  checkOptions("layerNorm", options, ["eps"]);
  const t = asTensor(x as Tensor | number);
  requireFloat("layerNorm", t);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (k === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(
      "layerNorm",
      `normalizedShape must be one or more positive integers; got [${shape.join(", ")}]`,
    );
  }
  if (t.rank < k || !shapesEqual(t.shape.slice(t.rank - k), shape)) {
    throw new ShapeError(
      "layerNorm",
      "the input's trailing dimensions must equal normalizedShape",
      { x: t.shape, normalizedShape: shape },
    );
  }
  for (const [name, p] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (p && !shapesEqual(p.shape, shape)) {
      throw new ShapeError("layerNorm", `${name} must have the shape normalizedShape`, {
        [name]: p.shape,
        normalizedShape: shape,
      });
    }
  }
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== "number" || !(eps >= 0)) {
    throw new ValueError("layerNorm", `eps must be a number ≥ 0; got ${String(eps)}`);
  }
  const rank = t.rank;
  const attrs: LayerNormAttrs = {
    axes: shape.map((_, i) => rank - k + i),
    leading: Array.from({ length: rank - k }, (_, i) => i),
    count: shape.reduce((a, b) => a * b, 1),
    eps,
    hasWeight: weight != null,
    hasBias: bias != null,
  };
  const inputs: Tensor[] = [t];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  return applyOp(layerNormOp, inputs, attrs);
}
