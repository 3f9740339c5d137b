// Every built-in op, as a free function. Tensor methods delegate here.
export { abs } from "./abs.js";
export { add } from "./add.js";
export { argmax } from "./argmax.js";
export { argmin } from "./argmin.js";
export { broadcastTo } from "./broadcast-to.js";
export { cast } from "./cast.js";
export { clamp } from "./clamp.js";
export { eq, ge, gt, le, lt, ne } from "./comparison.js";
export { einsum } from "./composite/einsum.js";
export { flatten } from "./composite/flatten.js";
export { logsumexp } from "./composite/logsumexp.js";
export { mean } from "./composite/mean.js";
export { min } from "./composite/min.js";
export { square } from "./composite/square.js";
export { squeeze } from "./composite/squeeze.js";
export { stack } from "./composite/stack.js";
export { unsqueeze } from "./composite/unsqueeze.js";
export { concat } from "./concat.js";
export { copyInto } from "./copy-into.js";
export { cos } from "./cos.js";
export { div } from "./div.js";
export { acos } from "./elementwise/acos.js";
export { acosh } from "./elementwise/acosh.js";
export { asin } from "./elementwise/asin.js";
export { asinh } from "./elementwise/asinh.js";
export { atan } from "./elementwise/atan.js";
export { atan2 } from "./elementwise/atan2.js";
export { atanh } from "./elementwise/atanh.js";
export { ceil } from "./elementwise/ceil.js";
export { copysign } from "./elementwise/copysign.js";
export { cosh } from "./elementwise/cosh.js";
export { erf } from "./elementwise/erf.js";
export { erfc } from "./elementwise/erfc.js";
export { erfinv } from "./elementwise/erfinv.js";
export { exp2 } from "./elementwise/exp2.js";
export { expm1 } from "./elementwise/expm1.js";
export { floor } from "./elementwise/floor.js";
export { floorDivide } from "./elementwise/floor-divide.js";
export { fmod } from "./elementwise/fmod.js";
export { frac } from "./elementwise/frac.js";
export { hypot } from "./elementwise/hypot.js";
export { isfinite } from "./elementwise/isfinite.js";
export { isinf } from "./elementwise/isinf.js";
export { isnan } from "./elementwise/isnan.js";
export { lerp } from "./elementwise/lerp.js";
export { log1p } from "./elementwise/log1p.js";
export { log2 } from "./elementwise/log2.js";
export { log10 } from "./elementwise/log10.js";
export { logaddexp } from "./elementwise/logaddexp.js";
export { logicalAnd } from "./elementwise/logical-and.js";
export { logicalNot } from "./elementwise/logical-not.js";
export { logicalOr } from "./elementwise/logical-or.js";
export { logicalXor } from "./elementwise/logical-xor.js";
export { reciprocal } from "./elementwise/reciprocal.js";
export { remainder } from "./elementwise/remainder.js";
export { round } from "./elementwise/round.js";
export { rsqrt } from "./elementwise/rsqrt.js";
export { sinh } from "./elementwise/sinh.js";
export { tan } from "./elementwise/tan.js";
export { trunc } from "./elementwise/trunc.js";
export { exp } from "./exp.js";
export { gather } from "./gather.js";
export { identity } from "./identity.js";
export { indexSelect } from "./indexing/index-select.js";
export { maskedFill } from "./indexing/masked-fill.js";
export { maskedSelect, maskedSelectAsync } from "./indexing/masked-select.js";
export { nonzero, nonzeroAsync } from "./indexing/nonzero.js";
export { oneHot, oneHotAsync } from "./indexing/one-hot.js";
export { scatter } from "./indexing/scatter.js";
export {
  type ScatterReduceOptions,
  type ScatterReduction,
  scatterReduce,
} from "./indexing/scatter-reduce.js";
export {
  type IndexItem,
  type IndexRange,
  index,
  indexAsync,
} from "./indexing/tensor-index.js";
export { log } from "./log.js";
export { logSoftmax } from "./log-softmax.js";
export { type MatmulOptions, matmul } from "./matmul.js";
export { max } from "./max.js";
export { maximum } from "./maximum.js";
export { minimum } from "./minimum.js";
export { mul } from "./mul.js";
export { neg } from "./neg.js";
export {
  type AdaptiveMaxPoolOptions,
  type AdaptiveSize,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
} from "./nn/adaptive-pool.js";
export { type AvgPoolOptions, avgPool1d, avgPool2d } from "./nn/avg-pool.js";
export { type ConvOptions, type ConvPaddingMode, conv1d, conv2d } from "./nn/conv.js";
export {
  type ConvTransposeOptions,
  convTranspose1d,
  convTranspose2d,
} from "./nn/conv-transpose.js";
export { fold } from "./nn/fold.js";
export { type GeluApproximate, type GeluOptions, gelu } from "./nn/gelu.js";
export { type InterpolateMode, type InterpolateOptions, interpolate } from "./nn/interpolate.js";
export { type LayerNormOptions, layerNorm } from "./nn/layer-norm.js";
export { linear } from "./nn/linear.js";
export { type MaxPoolOptions, maxPool1d, maxPool2d } from "./nn/max-pool.js";
export { type PackedAttentionOptions, packedAttention } from "./nn/packed-attention.js";
export {
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from "./nn/scaled-dot-product-attention.js";
export { type UnfoldOptions, unfold } from "./nn/unfold.js";
export type { SizeArg } from "./nn/window-args.js";
export { pow } from "./pow.js";
export { type MultinomialOptions, multinomial } from "./random/multinomial.js";
export { all } from "./reduction/all.js";
export { any } from "./reduction/any.js";
export { type CumulativeExtreme, cummax } from "./reduction/cummax.js";
export { cummin } from "./reduction/cummin.js";
export { cumprod } from "./reduction/cumprod.js";
export { cumsum } from "./reduction/cumsum.js";
export { logcumsumexp } from "./reduction/logcumsumexp.js";
export { type NormOrder, norm } from "./reduction/norm.js";
export { prod } from "./reduction/prod.js";
export { std } from "./reduction/std.js";
export { type VarianceOptions, variance as var } from "./reduction/var.js";
export { relu } from "./relu.js";
export { reshape } from "./reshape.js";
export { scatterAdd } from "./scatter-add.js";
export { chunk } from "./shape/chunk.js";
export { diag } from "./shape/diag.js";
export { diagonal } from "./shape/diagonal.js";
export { expand } from "./shape/expand.js";
export { flip } from "./shape/flip.js";
export { movedim } from "./shape/movedim.js";
export { type PadMode, type PadOptions, pad } from "./shape/pad.js";
export { repeat } from "./shape/repeat.js";
export { repeatInterleave, repeatInterleaveAsync } from "./shape/repeat-interleave.js";
export { roll } from "./shape/roll.js";
export { split } from "./shape/split.js";
export { tile } from "./shape/tile.js";
export { tril } from "./shape/tril.js";
export { triu } from "./shape/triu.js";
export { unbind } from "./shape/unbind.js";
export { unflatten } from "./shape/unflatten.js";
export { sigmoid } from "./sigmoid.js";
export { sign } from "./sign.js";
export { sin } from "./sin.js";
export { slice } from "./slice.js";
export { softmax } from "./softmax.js";
export { argsort } from "./sorting/argsort.js";
export { kthvalue } from "./sorting/kthvalue.js";
export { median } from "./sorting/median.js";
export { type SearchsortedOptions, searchsorted } from "./sorting/searchsorted.js";
export { type SortOptions, sort, type ValuesAndIndices } from "./sorting/sort.js";
export { type TopkOptions, topk } from "./sorting/topk.js";
export {
  type UniqueOptions,
  type UniqueResult,
  unique,
  uniqueAsync,
} from "./sorting/unique.js";
export { sqrt } from "./sqrt.js";
export { sub } from "./sub.js";
export { sum } from "./sum.js";
export { sumTo } from "./sum-to.js";
export { tanh } from "./tanh.js";
export { to } from "./to-device.js";
export { swapAxes, transpose } from "./transpose.js";
export { where } from "./where.js";
