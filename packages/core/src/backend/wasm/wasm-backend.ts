/**
 * The fast backend: float32 and float64 matrix products in WebAssembly SIMD (threaded when
 * large), ReLU and comparisons as branch-free SIMD, float32 + − × ÷ and copysign, floor,
 * ceil, trunc and round (float32 and float64), float32 −x, |x|, √x, eˣ, erf x, GELU and
 * GELU's gradient, column sums, float32 softmax, layer norm and the optimizers' updates in SIMD, float32
 * im2col, col2im and pooling in WebAssembly (softmax and the window kernels split over the
 * threads when large), float32 attention as one kernel per product (split over the threads), copies of any rank in typed loops, and the other elementwise and
 * reduction kernels as one JavaScript loop per op. Whatever it does not accelerate (integer
 * products, operands that do not collapse to two dimensions) it hands to the reference
 * backend, which it is tested against kernel by kernel.
 */
import type { Backend } from "../backend.js";
import {
  composedAttention,
  composedAttentionBackward,
  safeSoftmaxOnCpu,
} from "../composed-attention.js";
import { referenceBackend } from "../reference/reference-backend.js";
import { cpuScratch, windowedMatmul } from "../windowed-matmul.js";
import { attentionBackwardF32, attentionF32 } from "./attention.js";
import { copyStrided } from "./copy.js";
import { binaryFast, reduceFast, unaryFast } from "./elementwise.js";
import { layerNormBackwardFast, layerNormFast } from "./layer-norm.js";
import { matmulFloat, matmulRuntime, sameFloat } from "./matmul.js";
import {
  adagradUpdateSimd,
  adamUpdateSimd,
  rmspropUpdateSimd,
  sgdUpdateSimd,
} from "./optimizer-updates.js";
import { getLocalRuntime } from "./runtime.js";
import { scanFast } from "./scan.js";
import { scatterReduceFast } from "./scatter-reduce.js";
import {
  arithmeticSimd,
  compareSimd,
  geluGradSimd,
  reluSimd,
  roundSimd,
  sumColumnsSimd,
  unarySimd,
} from "./simd-elementwise.js";
import { softmaxBackwardFast, softmaxFast } from "./softmax.js";
import { sortFast } from "./sort.js";
import {
  col2imFast,
  gatherFast,
  im2colFast,
  scatterAddFast,
  windowMaxFast,
  windowSumFast,
} from "./window.js";

/**
 * The WebAssembly SIMD backend, the default where the engine supports it (`getBackend()`
 * is then this one); `setBackend("reference")` switches to the plain loops.
 * @example setBackend(wasmBackend) // or setBackend("wasm")
 */
export const wasmBackend: Backend = {
  ...referenceBackend,
  name: "wasm",
  unary(op, x, out) {
    const runtime = getLocalRuntime();
    if (runtime && x instanceof Float32Array && out instanceof Float32Array) {
      if (op === "relu" ? reluSimd(runtime, x, out) : unarySimd(runtime, op, x, out)) return;
    }
    if (
      runtime &&
      (x instanceof Float32Array || x instanceof Float64Array) &&
      (out instanceof Float32Array || out instanceof Float64Array) &&
      roundSimd(runtime, op, x, out)
    ) {
      return;
    }
    unaryFast(op, x, out);
  },
  binary(op, a, b, out, shape) {
    const runtime = getLocalRuntime();
    if (runtime && out instanceof Uint8Array && compareSimd(runtime, op, a, b, out, shape)) return;
    if (runtime && out instanceof Float32Array && arithmeticSimd(runtime, op, a, b, out, shape)) {
      return;
    }
    if (
      op === "geluGrad" &&
      runtime &&
      out instanceof Float32Array &&
      geluGradSimd(runtime, a, b, out, shape)
    ) {
      return;
    }
    if (!binaryFast(op, a, b, out, shape)) referenceBackend.binary(op, a, b, out, shape);
  },
  copy: copyStrided,
  softmax: softmaxFast,
  softmaxBackward: softmaxBackwardFast,
  layerNorm: layerNormFast,
  layerNormBackward: layerNormBackwardFast,
  reduce(op, x, shape, axes, out) {
    const runtime = getLocalRuntime();
    if (
      runtime &&
      x instanceof Float32Array &&
      out instanceof Float32Array &&
      sumColumnsSimd(runtime, op, x, shape, axes, out)
    ) {
      return;
    }
    if (!reduceFast(op, x, shape, axes, out)) referenceBackend.reduce(op, x, shape, axes, out);
  },
  scan: scanFast,
  sort: sortFast,
  scatterReduce: scatterReduceFast,
  gather: gatherFast,
  scatterAdd: scatterAddFast,
  im2col: im2colFast,
  col2im: col2imFast,
  windowMax: windowMaxFast,
  windowSum: windowSumFast,
  attention(q, k, v, mask, out, weights, args) {
    if (attentionF32(q, k, v, mask, out, weights, args)) return;
    // float64, or no room: this backend's products and softmax, composed as the interface says.
    const safeSoftmax = safeSoftmaxOnCpu(wasmBackend);
    composedAttention(wasmBackend, cpuScratch, safeSoftmax, [q, k, v], mask, out, weights, args);
  },
  attentionBackward(q, k, v, weights, g, dq, dk, dv, args) {
    if (attentionBackwardF32(q, k, v, weights, g, dq, dk, dv, args)) return;
    composedAttentionBackward(wasmBackend, cpuScratch, [q, k, v], weights, g, [dq, dk, dv], args);
  },
  matmul(a, b, out, args, bias) {
    const arrays = sameFloat(a, b, out);
    // A bias of the operands' dtype, or none; another dtype goes to the reference.
    const floatBias =
      bias === undefined || bias.constructor === a.constructor
        ? (bias as Float32Array | Float64Array | undefined)
        : null;
    const runtime = arrays && floatBias !== null && matmulRuntime(args);
    if (arrays && runtime && matmulFloat(runtime, arrays, args, floatBias ?? undefined)) return;
    // A window the kernels do not unfold (float64, three spatial axes): through this
    // backend's own im2col, products and col2im.
    if (args.bWindow || args.outWindow) {
      windowedMatmul(wasmBackend, cpuScratch, a, b, out, args, bias);
    } else {
      referenceBackend.matmul(a, b, out, args, bias);
    }
  },
  sgdUpdate(param, grad, momentumBuffer, h) {
    const runtime = getLocalRuntime();
    if (runtime && sgdUpdateSimd(runtime, param, grad, momentumBuffer, h)) return;
    referenceBackend.sgdUpdate(param, grad, momentumBuffer, h);
  },
  adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h) {
    const runtime = getLocalRuntime();
    if (runtime && adamUpdateSimd(runtime, param, grad, expAvg, expAvgSq, maxExpAvgSq, h)) return;
    referenceBackend.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h);
  },
  rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuffer, h) {
    const runtime = getLocalRuntime();
    const arrays = [param, grad, squareAvg, gradAvg, momentumBuffer] as const;
    if (runtime && rmspropUpdateSimd(runtime, ...arrays, h)) return;
    referenceBackend.rmspropUpdate(...arrays, h);
  },
  adagradUpdate(param, grad, sum, h) {
    const runtime = getLocalRuntime();
    if (runtime && adagradUpdateSimd(runtime, param, grad, sum, h)) return;
    referenceBackend.adagradUpdate(param, grad, sum, h);
  },
};
