/**
 * The optimizers' elementwise updates, as plain loops. A float32 parameter is updated in
 * float32 arithmetic (every sum, product, quotient and square root rounded to float32, as
 * PyTorch computes it), a float64 one in float64; the fast backend's SIMD loops compute the
 * same expressions in the same order and are held to these results bit for bit.
 */
import type { TypedArray } from "../../dtype.js";
import type { AdagradUpdate, AdamUpdate, RmspropUpdate, SgdUpdate } from "../backend.js";

const exact = (x: number) => x;

/** Rounds one arithmetic result to the parameter's precision. */
function roundingOf(param: TypedArray): (x: number) => number {
  return param instanceof Float32Array ? Math.fround : exact;
}

export function sgdUpdate(
  param: TypedArray,
  grad: TypedArray,
  momentumBuffer: TypedArray | null,
  h: SgdUpdate,
): void {
  const r = roundingOf(param);
  const [lr, mu, keep, lambda] = [r(h.lr), r(h.momentum), r(1 - h.dampening), r(h.weightDecay)];
  for (let i = 0; i < param.length; i++) {
    let d = r(grad[i]! + r(lambda * param[i]!));
    if (momentumBuffer) {
      const b = h.first ? d : r(r(mu * momentumBuffer[i]!) + r(keep * d));
      momentumBuffer[i] = b;
      d = h.nesterov ? r(d + r(mu * b)) : b;
    }
    param[i] = r(param[i]! - r(lr * d));
  }
}

export function adamUpdate(
  param: TypedArray,
  grad: TypedArray,
  expAvg: TypedArray,
  expAvgSq: TypedArray,
  maxExpAvgSq: TypedArray | null,
  h: AdamUpdate,
): void {
  const r = roundingOf(param);
  const [decay, l2, eps] = [r(h.decay), r(h.l2), r(h.eps)];
  const [beta1, rest1, beta2, rest2] = [r(h.beta1), r(1 - h.beta1), r(h.beta2), r(1 - h.beta2)];
  const [stepSize, bias2Sqrt] = [r(h.stepSize), r(h.bias2Sqrt)];
  for (let i = 0; i < param.length; i++) {
    const theta = r(param[i]! * decay);
    const d = r(grad[i]! + r(l2 * theta));
    const m = r(r(beta1 * expAvg[i]!) + r(rest1 * d));
    const v = r(r(beta2 * expAvgSq[i]!) + r(r(rest2 * d) * d));
    expAvg[i] = m;
    expAvgSq[i] = v;
    let second = v;
    if (maxExpAvgSq) {
      second = Math.max(maxExpAvgSq[i]!, v);
      maxExpAvgSq[i] = second;
    }
    const denominator = r(r(r(Math.sqrt(second)) / bias2Sqrt) + eps);
    param[i] = r(theta - r(r(stepSize * m) / denominator));
  }
}

export function rmspropUpdate(
  param: TypedArray,
  grad: TypedArray,
  squareAvg: TypedArray,
  gradAvg: TypedArray | null,
  momentumBuffer: TypedArray | null,
  h: RmspropUpdate,
): void {
  const r = roundingOf(param);
  const [alpha, rest, eps] = [r(h.alpha), r(1 - h.alpha), r(h.eps)];
  const [lr, lambda, mu] = [r(h.lr), r(h.weightDecay), r(h.momentum)];
  for (let i = 0; i < param.length; i++) {
    const d = r(grad[i]! + r(lambda * param[i]!));
    const v = r(r(alpha * squareAvg[i]!) + r(r(rest * d) * d));
    squareAvg[i] = v;
    let variance = v;
    if (gradAvg) {
      const mean = r(r(alpha * gradAvg[i]!) + r(rest * d));
      gradAvg[i] = mean;
      variance = r(v - r(mean * mean));
    }
    const scaled = r(d / r(r(Math.sqrt(variance)) + eps));
    let step = scaled;
    if (momentumBuffer) {
      step = r(r(mu * momentumBuffer[i]!) + scaled);
      momentumBuffer[i] = step;
    }
    param[i] = r(param[i]! - r(lr * step));
  }
}

export function adagradUpdate(
  param: TypedArray,
  grad: TypedArray,
  sum: TypedArray,
  h: AdagradUpdate,
): void {
  const r = roundingOf(param);
  const [lr, eps, lambda] = [r(h.lr), r(h.eps), r(h.weightDecay)];
  for (let i = 0; i < param.length; i++) {
    const d = r(grad[i]! + r(lambda * param[i]!));
    const s = r(sum[i]! + r(d * d));
    sum[i] = s;
    param[i] = r(param[i]! - r(r(lr * d) / r(r(Math.sqrt(s)) + eps)));
  }
}
