import { checkOptions, clamp, mul, noGrad, stack, type Tensor, ValueError } from "@tensortape/core";

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm; Infinity for the largest absolute value. Default 2. */
  readonly normType?: number;
  /** Throw if the total norm is NaN or infinite (instead of scaling by NaN). Default false. */
  readonly errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `params` together so that their joint p-norm (over all elements of
 * all gradients) is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_ does: each grad is
 * multiplied by maxNorm / (norm + 1e-6) when that is below 1. Each `.grad` is replaced by a
 * new tensor (gradients may be shared, so none is changed in place). Returns the total norm
 * before clipping.
 * @example
 * loss.backward();
 * clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  checkOptions("clipGradNorm", options, ["normType", "errorIfNonfinite"]);
  const p = options.normType ?? 2;
  if (typeof p !== "number" || !(p > 0)) {
    throw new ValueError("clipGradNorm", `normType must be positive; got ${String(p)}`);
  }
  if (typeof maxNorm !== "number" || !(maxNorm >= 0))
    throw new ValueError("clipGradNorm", `maxNorm must be non-negative; got ${maxNorm}`);
  const withGrad = [...params].filter((t) => t.grad !== null);
  let total = 0;
  const onDevice = withGrad.filter((t) => t.grad!.device !== "cpu");
  if (onDevice.length > 0)
    total = deviceNormPart(
      onDevice.map((t) => t.grad!),
      p,
    );
  for (const t of withGrad) {
    if (t.grad!.device === "cpu") total = addNormPart(total, t.grad!.data, p);
  }
  const norm = p === Number.POSITIVE_INFINITY ? total : total ** (1 / p);
  if (options.errorIfNonfinite && !Number.isFinite(norm)) {
    throw new ValueError(
      "clipGradNorm",
      `the total norm of the gradients is ${norm}, so they cannot be clipped`,
      "look for the NaN or Infinity with detectAnomaly()",
    );
  }
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1 || Number.isNaN(coefficient)) {
    noGrad(() => {
      for (const t of withGrad) t.grad = mul(t.grad!, coefficient);
    });
  }
  return norm;
}

/**
 * `total` with Σ|v|^p over `values` added in order (or the largest |v| for p = ∞; a NaN
 * stays), in float64. A function of its own rather than a loop inside clipGradNorm: the engine
 * optimises it after a few calls, with `total` kept in a register, where the inline loop, run
 * once per step, ran unoptimised for much of its length and made a heap number per element
 * (7.8 MB of garbage per GPT step, which set off extra collections).
 */
function addNormPart(total: number, values: ArrayLike<number>, p: number): number {
  if (p === 2) {
    // The usual norm, with v·v (exactly what |v| ** 2 gives) rather than a pow per element.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      total += v * v;
    }
    return total;
  }
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (p !== Number.POSITIVE_INFINITY) total += a ** p;
    else if (Number.isNaN(a) || a > total) total = a; // a NaN stays: NaN > x is false
  }
  return total;
}

/**
 * Clamps every gradient element of `params` into [−clipValue, clipValue], replacing each
 * `.grad` with a new tensor, as torch.nn.utils.clip_grad_value_ does.
 * @example clipGradValue(model.parameters(), 0.5)
 */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  if (!(clipValue >= 0)) {
    throw new ValueError("clipGradValue", `clipValue must be non-negative; got ${clipValue}`);
  }
  noGrad(() => {
    for (const t of params) if (t.grad) t.grad = clamp(t.grad, -clipValue, clipValue);
  });
}

/**
 * Σ|g|^p (or max |g| for p = ∞) over gradients on a device, computed there so that one
 * number is read back rather than every gradient.
 */
function deviceNormPart(grads: Tensor[], p: number): number {
  return noGrad(() => {
    const parts = grads.map((g) => {
      const a = g.abs();
      return p === Number.POSITIVE_INFINITY ? a.max() : a.pow(p).sum();
    });
    const all = stack(parts);
    return (p === Number.POSITIVE_INFINITY ? all.max() : all.sum()).item();
  });
}
