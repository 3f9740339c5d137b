// @tensortape/core: tensors that record their ops on a tape, and one generic backward pass.

export { detectAnomaly, isAnomalyEnabled, setAnomalyEnabled } from "./autograd/anomaly.js";
export {
  applyUserOp as applyOp,
  defineOp,
  type Forwarded,
  type OpContext,
  type OpSpec,
} from "./autograd/apply.js";
export { type BackwardOptions, gradients } from "./autograd/backward.js";
export { type GradOptions, grad, valueAndGrad } from "./autograd/functional.js";
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./autograd/grad-mode.js";
export { type GraphEntry, graphOf, toDot } from "./autograd/graph.js";
export type { Node, VJP } from "./autograd/node.js";
export type { RegionGradient } from "./autograd/region-gradient.js";
export type {
  AdagradUpdate,
  AdamUpdate,
  AttentionArgs,
  Backend,
  BinaryKernel,
  MatmulArgs,
  ReduceKernel,
  RmspropUpdate,
  SgdUpdate,
  StridedView,
  UnaryKernel,
} from "./backend/backend.js";
export { referenceBackend } from "./backend/reference/reference-backend.js";
export {
  type AnyBackend,
  backendOf,
  getBackend,
  getCpuBackend,
  listBackends,
  registerBackend,
  setBackend,
} from "./backend/registry.js";
export { getNumThreads, setNumThreads } from "./backend/wasm/thread-pool.js";
export { wasmBackend } from "./backend/wasm/wasm-backend.js";
export { type InitBackendOptions, initBackend } from "./backend/webgpu/init.js";
export {
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randint,
  randn,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from "./creation.js";
export { defineKernel, type KernelOutput, type KernelSpec } from "./custom-kernel.js";
export {
  DeviceArray,
  type DeviceName,
  type DeviceRuntime,
  getDefaultDevice,
  registerDevice,
  type Storage,
} from "./device.js";
export { type DType, isFloat, type TypedArray } from "./dtype.js";
export {
  AnomalyError,
  AxisError,
  BackwardRuleError,
  BlockingReadError,
  checkOptions,
  DeviceError,
  DTypeError,
  GradientError,
  InplaceModificationError,
  OptionError,
  ShapeError,
  TensortapeError,
  ValueError,
} from "./errors.js";
export * from "./ops/index.js";
export { checkOnDevice } from "./ops/kernels.js";
export { builtinOps, type OpName } from "./ops/table.js";
export { Generator, getDefaultGenerator, manualSeed } from "./random.js";
export { broadcastShapes, formatShape, type Shape, shapesEqual, sizeOf } from "./shape.js";
export { type NestedArray, Tensor, type TensorLike } from "./tensor.js";

import type { Tensor } from "./tensor.js";

/** Clears `.grad` of every tensor given (or of each in an iterable, such as `model.parameters()`). */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.grad = null;
}
