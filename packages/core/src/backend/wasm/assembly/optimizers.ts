// The optimizers' float32 updates, four parameters at a time. Each evaluates the reference's
// expressions (src/backend/reference/optimizer-updates.ts) in the same order, one rounding
// per operation and no fused multiply-add, so the results are the reference's bit for bit.
// The caller pads every array to a multiple of four elements and ignores the padding, so
// there is no scalar tail.

/** One SGD step over n parameters: see Backend.sgdUpdate. `buf` is 0 without momentum. */
export function sgdF32(
  p: usize,
  g: usize,
  buf: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  keep: f32,
  weightDecay: f32,
  nesterov: bool,
  first: bool,
): void {
  const vLr = f32x4.splat(lr);
  const vMu = f32x4.splat(momentum);
  const vKeep = f32x4.splat(keep);
  const vLambda = f32x4.splat(weightDecay);
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += 16) {
    const theta = v128.load(p + at);
    let d = f32x4.add(v128.load(g + at), f32x4.mul(vLambda, theta));
    if (buf) {
      const b = first ? d : f32x4.add(f32x4.mul(vMu, v128.load(buf + at)), f32x4.mul(vKeep, d));
      v128.store(buf + at, b);
      d = nesterov ? f32x4.add(d, f32x4.mul(vMu, b)) : b;
    }
    v128.store(p + at, f32x4.sub(theta, f32x4.mul(vLr, d)));
  }
}

/** One Adam step over n parameters: see Backend.adamUpdate. `vMax` is 0 without AMSGrad. */
export function adamF32(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  vMax: usize,
  n: i32,
  decay: f32,
  l2: f32,
  beta1: f32,
  rest1: f32,
  beta2: f32,
  rest2: f32,
  stepSize: f32,
  bias2Sqrt: f32,
  eps: f32,
): void {
  const vDecay = f32x4.splat(decay);
  const vL2 = f32x4.splat(l2);
  const vBeta1 = f32x4.splat(beta1);
  const vRest1 = f32x4.splat(rest1);
  const vBeta2 = f32x4.splat(beta2);
  const vRest2 = f32x4.splat(rest2);
  const vStep = f32x4.splat(stepSize);
  const vBias2 = f32x4.splat(bias2Sqrt);
  const vEps = f32x4.splat(eps);
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += 16) {
    const theta = f32x4.mul(v128.load(p + at), vDecay);
    const d = f32x4.add(v128.load(g + at), f32x4.mul(vL2, theta));
    const mi = f32x4.add(f32x4.mul(vBeta1, v128.load(m + at)), f32x4.mul(vRest1, d));
    const vi = f32x4.add(f32x4.mul(vBeta2, v128.load(v + at)), f32x4.mul(f32x4.mul(vRest2, d), d));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
    let second = vi;
    if (vMax) {
      second = f32x4.max(v128.load(vMax + at), vi);
      v128.store(vMax + at, second);
    }
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(second), vBias2), vEps);
    v128.store(p + at, f32x4.sub(theta, f32x4.div(f32x4.mul(vStep, mi), denominator)));
  }
}

/**
 * One RMSprop step over n parameters: see Backend.rmspropUpdate. `gradAvg` is 0 unless
 * centered, `buf` 0 without momentum.
 */
export function rmspropF32(
  p: usize,
  g: usize,
  squareAvg: usize,
  gradAvg: usize,
  buf: usize,
  n: i32,
  lr: f32,
  alpha: f32,
  rest: f32,
  eps: f32,
  weightDecay: f32,
  momentum: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vAlpha = f32x4.splat(alpha);
  const vRest = f32x4.splat(rest);
  const vEps = f32x4.splat(eps);
  const vLambda = f32x4.splat(weightDecay);
  const vMu = f32x4.splat(momentum);
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += 16) {
    const theta = v128.load(p + at);
    const d = f32x4.add(v128.load(g + at), f32x4.mul(vLambda, theta));
    const v = f32x4.add(
      f32x4.mul(vAlpha, v128.load(squareAvg + at)),
      f32x4.mul(f32x4.mul(vRest, d), d),
    );
    v128.store(squareAvg + at, v);
    let variance = v;
    if (gradAvg) {
      const mean = f32x4.add(f32x4.mul(vAlpha, v128.load(gradAvg + at)), f32x4.mul(vRest, d));
      v128.store(gradAvg + at, mean);
      variance = f32x4.sub(v, f32x4.mul(mean, mean));
    }
    let step = f32x4.div(d, f32x4.add(f32x4.sqrt(variance), vEps));
    if (buf) {
      step = f32x4.add(f32x4.mul(vMu, v128.load(buf + at)), step);
      v128.store(buf + at, step);
    }
    v128.store(p + at, f32x4.sub(theta, f32x4.mul(vLr, step)));
  }
}

/** One Adagrad step over n parameters: see Backend.adagradUpdate. */
export function adagradF32(
  p: usize,
  g: usize,
  sum: usize,
  n: i32,
  lr: f32,
  eps: f32,
  weightDecay: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vEps = f32x4.splat(eps);
  const vLambda = f32x4.splat(weightDecay);
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += 16) {
    const theta = v128.load(p + at);
    const d = f32x4.add(v128.load(g + at), f32x4.mul(vLambda, theta));
    const s = f32x4.add(v128.load(sum + at), f32x4.mul(d, d));
    v128.store(sum + at, s);
    const step = f32x4.div(f32x4.mul(vLr, d), f32x4.add(f32x4.sqrt(s), vEps));
    v128.store(p + at, f32x4.sub(theta, step));
  }
}
