// The entry point of the WebAssembly kernels: everything exported here is callable from
// src/backend/wasm/. Build with `pnpm build:kernels`.
export {
  arithmeticF32,
  compareF32,
  reluF32,
  roundF32,
  roundF64,
  sumColumnsF32,
} from "./elementwise";
export { KC, MC, MR, matmulBatchF32, matmulBatchF64, NC, NR } from "./matmul";
export { adagradF32, adamF32, rmspropF32, sgdF32 } from "./optimizers";
