// The entry point of the WebAssembly kernels: everything exported here is callable from
// src/backend/wasm/. Build with `pnpm build:kernels`.
export { attentionBackwardF32, attentionF32 } from "./attention";
export { permuteF32 } from "./copy";
export {
  arithmeticF32,
  compareF32,
  reluF32,
  roundF32,
  roundF64,
  sumColumnsF32,
} from "./elementwise";
export { geluGradF32 } from "./gelu";
export { layerNormBackwardF32, layerNormF32 } from "./layer-norm";
export {
  KC,
  MC,
  MR,
  matmulBatchF32,
  matmulBatchF64,
  matmulFoldBatchF32,
  matmulUnfoldBatchF32,
  NC,
  NR,
} from "./matmul";
export { adagradF32, adamF32, rmspropF32, sgdF32 } from "./optimizers";
export { softmaxBackwardF32, softmaxF32 } from "./softmax";
export { unaryF32 } from "./unary";
export { col2imF32, im2colF32, windowMaxF32, windowSumF32 } from "./window";
export { winogradConvF32, winogradWeightF32, winogradWeightsF32 } from "./winograd";
