/**
 * Users' own kernels: one computation written twice, as WGSL for the GPU and as a loop over
 * typed arrays for the CPU, run on whichever device the inputs are on. A kernel records no
 * gradient; give it one by calling it from the forward of a `defineOp`.
 */
import { applyOp, type OpSpec } from "./autograd/apply.js";
import { DeviceArray } from "./device.js";
import { type DType, isDType, type TypedArray } from "./dtype.js";
import { ValueError } from "./errors.js";
import { empty } from "./ops/kernels.js";
import type { Shape } from "./shape.js";
import type { Tensor } from "./tensor.js";

/** What `defineKernel` takes. */
export interface KernelSpec {
  /** The name errors and the pipeline cache use. */
  readonly name: string;
  /**
   * WGSL defining `fn compute(i: u32) -> T`, the output's element i (T: f32 for float32, i32
   * for int32, u32 0/1 for bool). It reads input k's element j as `inputk(j)` and its length
   * as `lengthk()`, and the output's length as `outputLength()`; the library's WGSL math
   * (such as `exp`, `erf_f`) is in scope.
   */
  readonly wgsl: string;
  /** The same computation on the CPU: writes every element of `out` from the inputs' data. */
  readonly cpu: (inputs: readonly TypedArray[], out: TypedArray) => void;
  /** The output's shape and dtype; by default the first input's. */
  readonly output?: (inputs: readonly Tensor[]) => KernelOutput;
}

/** The shape and dtype of a kernel's output. */
export interface KernelOutput {
  /** The output's shape. */
  readonly shape: Shape;
  /** The output's dtype. */
  readonly dtype: DType;
}

/**
 * Defines a kernel that runs its WGSL on a GPU tensor and its CPU loop on a CPU tensor, and
 * returns it as a function of tensors. Float64 inputs run on the CPU only (WGSL has no f64).
 *
 * @example
 * const swish = defineKernel({
 *   name: "swish",
 *   wgsl: "fn compute(i: u32) -> f32 { let x = input0(i); return x / (1.0 + exp(-x)); }",
 *   cpu: ([x], out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] / (1 + Math.exp(-x[i])); },
 * });
 * swish(randn([4]).to("webgpu"));
 */
export function defineKernel(spec: KernelSpec): (...inputs: Tensor[]) => Tensor {
  if (typeof spec.wgsl !== "string" || !/\bfn\s+compute\s*\(/.test(spec.wgsl)) {
    throw new ValueError(
      "defineKernel",
      `kernel "${spec.name}": wgsl must define fn compute(i: u32)`,
    );
  }
  if (typeof spec.cpu !== "function") {
    throw new ValueError("defineKernel", `kernel "${spec.name}": cpu must be a function`);
  }
  const op: OpSpec = {
    name: spec.name,
    forward: (inputs) => {
      if (inputs.length === 0) {
        throw new ValueError(spec.name, "a kernel needs at least one input tensor");
      }
      const { shape, dtype } = spec.output?.(inputs) ?? {
        shape: inputs[0]!.shape,
        dtype: inputs[0]!.dtype,
      };
      if (!isDType(dtype))
        throw new ValueError(spec.name, `output dtype ${String(dtype)} is not a dtype`);
      const out = empty(shape, dtype);
      const storage = out.storage;
      if (storage instanceof DeviceArray) {
        const arrays = inputs.map((t) => t.storage as DeviceArray);
        storage.runtime.custom(spec.name, spec.wgsl, arrays, storage);
      } else {
        spec.cpu(
          inputs.map((t) => t.data),
          storage,
        );
      }
      return out;
    },
  };
  return (...inputs: Tensor[]) => applyOp(op, inputs, undefined);
}
