/**
 * The side of the WebGPU backend that owns the device: it keeps every allocation by number
 * and runs the commands the tensors' side sends, in order, on `WebGpuKernels`. It runs on
 * the caller's thread (browsers) or in a worker thread (Node, so that the caller can wait for
 * a read with `Atomics.wait`); the commands are the same plain, cloneable values either way.
 */
import type { DType, TypedArray } from "../../dtype.js";
import type { GpuArray, GpuDType } from "./gpu-array.js";
import type { WebGpuKernels } from "./kernels.js";

/** A device array as it travels in a command: the allocation's number and a range in it. */
export interface ArrayRef {
  readonly $: number;
  readonly offset: number;
  readonly length: number;
}

/** What the tensors' side asks of the device, in the order it must happen. */
export type Command =
  | {
      readonly kind: "allocate";
      readonly id: number;
      readonly dtype: DType;
      readonly length: number;
    }
  | {
      readonly kind: "upload";
      readonly id: number;
      readonly dtype: DType;
      readonly data: TypedArray;
    }
  | { readonly kind: "release"; readonly id: number }
  | { readonly kind: "kernel"; readonly method: string; readonly args: readonly unknown[] }
  | {
      readonly kind: "check";
      readonly flag: ArrayRef;
      readonly op: string;
      readonly message: string;
    };

/** Marks a failed check's message: the op and the message follow, a newline between. */
export const CHECK_FAILED = "check failed: ";

/** Whether `value` is an encoded device array. */
function isArrayRef(value: unknown): value is ArrayRef {
  return typeof value === "object" && value !== null && "$" in value;
}

/** A failure on the device, kept until the next read reports it. */
export interface HostFailure {
  readonly name: string;
  readonly message: string;
}

/** Runs commands against the device's kernels; see the module comment. */
export class DeviceHost {
  readonly #kernels: WebGpuKernels;
  readonly #arrays = new Map<number, GpuArray>();
  /** Checks registered since the last read; their flags are kept alive by the tensors' side. */
  #checks: { flag: ArrayRef; op: string; message: string }[] = [];
  #failure: HostFailure | null = null;

  constructor(kernels: WebGpuKernels) {
    this.#kernels = kernels;
  }

  /** The first failure since the last call, cleared: a read reports it and carries on. */
  takeFailure(): HostFailure | null {
    const failure = this.#failure;
    this.#failure = null;
    return failure;
  }

  /** Records a failure from outside the commands (the device's own error reports). */
  fail(failure: HostFailure): void {
    this.#failure ??= failure;
  }

  /** Runs each command; a failing one is kept for the next read and the rest still run. */
  run(commands: readonly Command[]): void {
    for (const command of commands) {
      try {
        this.#run(command);
      } catch (error) {
        const e = error as Error;
        this.fail({ name: e?.name ?? "Error", message: e?.message ?? String(error) });
      }
    }
  }

  #run(command: Command): void {
    switch (command.kind) {
      case "allocate":
        this.#arrays.set(
          command.id,
          this.#kernels.allocate(gpuDtype(command.dtype), command.length),
        );
        return;
      case "upload": {
        const array = this.#kernels.allocate(gpuDtype(command.dtype), command.data.length);
        this.#kernels.write(array, command.data);
        this.#arrays.set(command.id, array);
        return;
      }
      case "release": {
        const array = this.#arrays.get(command.id);
        if (array) {
          this.#arrays.delete(command.id);
          this.#kernels.release(array);
        }
        return;
      }
      case "check":
        this.#checks.push({ flag: command.flag, op: command.op, message: command.message });
        return;
      case "kernel": {
        const kernel = (this.#kernels as unknown as Record<string, (...a: unknown[]) => void>)[
          command.method
        ];
        if (typeof kernel !== "function")
          throw new Error(`webgpu: no kernel named ${command.method}`);
        kernel.apply(
          this.#kernels,
          command.args.map((a) => this.#decode(a)),
        );
        return;
      }
    }
  }

  /** The elements of `ref` once the work before this call is done. */
  async read(ref: ArrayRef): Promise<TypedArray> {
    const failure = this.takeFailure();
    if (failure) throw Object.assign(new Error(failure.message), { name: failure.name });
    const array = this.#resolve(ref);
    const checks = this.#checks;
    this.#checks = [];
    for (const check of checks) {
      const [flag] = await this.#kernels.read(this.#resolve(check.flag));
      if (flag) {
        const message = `${CHECK_FAILED}${check.op}\n${check.message}`;
        throw Object.assign(new Error(message), { name: "ValueError" });
      }
    }
    const data = await this.#kernels.read(array);
    const late = this.takeFailure();
    if (late) throw Object.assign(new Error(late.message), { name: late.name });
    return data;
  }

  /** Submits what has been recorded. */
  flush(): void {
    this.#kernels.flush();
  }

  #resolve(ref: ArrayRef): GpuArray {
    const base = this.#arrays.get(ref.$);
    if (!base) throw new Error(`webgpu: array ${ref.$} was released or never allocated`);
    if (ref.offset === 0 && ref.length === base.length) return base;
    return { ...base, offset: base.offset + ref.offset, length: ref.length };
  }

  /** Replaces encoded arrays, also inside views (`{ data, offset, strides }`), by GPU arrays. */
  #decode(value: unknown): unknown {
    if (isArrayRef(value)) return this.#resolve(value);
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
    if (Array.isArray(value)) return value.map((v) => this.#decode(v));
    const view = value as { data?: unknown };
    if (isArrayRef(view.data)) return { ...view, data: this.#resolve(view.data) };
    return value;
  }
}

/** The GPU dtype of a tensor dtype; float64 never reaches here (the runtime refuses it). */
function gpuDtype(dtype: DType): GpuDType {
  if (dtype === "float64") throw new Error("webgpu: float64 cannot live on the device");
  return dtype;
}
