import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { gt, lt } from "../comparison.js";
import { exp } from "../exp.js";
import { asTensor, empty, requireFloat } from "../kernels.js";
import { log } from "../log.js";
import { neg } from "../neg.js";
import { flip } from "../shape/flip.js";
import { sub } from "../sub.js";
import { where } from "../where.js";
import { scanAxis, scanLayout } from "./scan-layout.js";

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** log Σ_{j ≥ k} e^(v_j) along `axis`: the running log Σ exp taken from the far end. */
function reverseLogcumsumexp(v: Tensor, axis: number): Tensor {
  if (v.rank === 0) return logcumsumexp(v, axis);
  return flip(logcumsumexp(flip(v, axis), axis), axis);
}

/**
 * dx_k = Σ_{j ≥ k} g_j·e^(x_k − out_j). Summed directly, e^(−out_j) overflows; instead the
 * positive and the negative parts of g are each summed in log space (as TensorFlow's and
 * PyTorch's logcumsumexp_backward do): dx = e^(x + L(log g⁺ − out)) − e^(x + L(log g⁻ − out)),
 * with L the reverse running log Σ exp. The log of a part's missing entries is the lowest
 * finite number rather than −∞, as in PyTorch: −∞ − (−∞) would put NaN into the gradient of
 * this gradient. log itself only ever sees positive values, for the same reason.
 */
function logcumsumexpGradient(g: Tensor, x: Tensor, out: Tensor, axis: number): Tensor {
  const lowest = g.dtype === "float32" ? -FLOAT32_MAX : -Number.MAX_VALUE;
  const positive = gt(g, 0);
  const negative = lt(g, 0);
  const logPositive = where(positive, log(where(positive, g, 1)), lowest);
  const logNegative = where(negative, log(where(negative, neg(g), 1)), lowest);
  const part = (logPart: Tensor) => exp(add(reverseLogcumsumexp(sub(logPart, out), axis), x));
  return sub(part(logPositive), part(logNegative));
}

const logcumsumexpOp: OpSpec<number> = {
  name: "logcumsumexp",
  forward: ([x], axis) => {
    requireFloat("logcumsumexp", x);
    const out = empty(x.shape, x.dtype);
    const { outer, axisLen, inner } = scanLayout(x.shape, axis);
    getBackend().scan("logsumexp", x.storage, outer, axisLen, inner, out.storage, null);
    return out;
  },
  backward: (g, { inputs: [x], output, attrs: axis }) => [
    logcumsumexpGradient(g, x!, output, axis),
  ],
};

/**
 * Running log Σ exp along `axis`: out[..., j, ...] = log Σ_{i ≤ j} exp(x[..., i, ...]),
 * computed without overflow. Float tensors only.
 * x: [...S] → [...S]
 * @example logcumsumexp(tensor([0, 0]), 0) // tensor([0.0000, 0.6931])
 */
export function logcumsumexp(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x);
  return applyOp(logcumsumexpOp, [t], scanAxis("logcumsumexp", axis, t.shape));
}
