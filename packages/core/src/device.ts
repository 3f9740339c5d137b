/**
 * Where a tensor's data lives. On the CPU it is a garbage-collected typed array; on a device
 * (WebGPU) it is a `DeviceArray`, a handle to memory its runtime owns and reclaims once the
 * handle is garbage collected. Ops compute on the device of their inputs: `applyOp` enters
 * that device for the op's forward, so the kernels an op calls and the outputs it allocates
 * are the device's without the op naming it.
 */
import type { Backend } from "./backend/backend.js";
import { allocate, type DType, type TypedArray } from "./dtype.js";
import { DeviceError } from "./errors.js";

/** The devices a tensor can live on. */
export type DeviceName = "cpu" | "webgpu";

/**
 * A run of `length` elements of a device's memory: the storage of a tensor off the CPU. Ops
 * pass it to the device's kernels as they pass typed arrays to the CPU's; reading it goes
 * through the runtime (`Tensor.read()`).
 */
export class DeviceArray {
  /** @internal Made by a device runtime. */
  constructor(
    /** The runtime that owns the memory. */
    readonly runtime: DeviceRuntime,
    /** The runtime's number for the allocation this array lies in. */
    readonly id: number,
    /** Index of the first element within the allocation. */
    readonly offset: number,
    /** Number of elements. */
    readonly length: number,
    /** The element type. */
    readonly dtype: DType,
    /** The whole allocation when this is a part of it (kept alive while the part is). */
    readonly base: DeviceArray | null = null,
  ) {}

  /** The elements [begin, end) as an array over the same memory, as TypedArray's subarray. */
  subarray(begin: number, end: number = this.length): DeviceArray {
    return new DeviceArray(
      this.runtime,
      this.id,
      this.offset + begin,
      end - begin,
      this.dtype,
      this.base ?? this,
    );
  }
}

/** A tensor's data: a typed array on the CPU, a device array elsewhere. */
export type Storage = TypedArray | DeviceArray;

/**
 * A device's runtime: its kernels and its memory. `initBackend("webgpu")` makes one and
 * registers it.
 */
export interface DeviceRuntime {
  /** The device's name, as `t.to()` takes it. */
  readonly name: Exclude<DeviceName, "cpu">;
  /** The device's kernels, over its arrays. */
  readonly kernels: Backend<DeviceArray, DeviceArray>;
  /** Whether the device can hold `dtype` (WebGPU has no float64). */
  supports(dtype: DType): boolean;
  /** `length` zeros of `dtype` on the device. */
  allocate(dtype: DType, length: number): DeviceArray;
  /** A copy of `data` on the device. */
  upload(data: TypedArray, dtype: DType): DeviceArray;
  /**
   * The elements, waiting for the device; throws a BlockingReadError, naming `op` and the
   * async call to use `instead` (by default `t.read()`), where the thread may not block.
   */
  readSync(array: DeviceArray, op: string, instead?: string): TypedArray;
  /** The elements, once the device has computed them. */
  read(array: DeviceArray): Promise<TypedArray>;
  /**
   * Runs a user's kernel (`defineKernel`) written in the device's language: `source` defines
   * output element i from the inputs.
   */
  custom(name: string, source: string, inputs: readonly DeviceArray[], out: DeviceArray): void;
  /**
   * Registers a check whose answer stays on the device: if `flag` (one bool) is true, the
   * next read of any data throws a ValueError `${op}: ${message}`. Inputs found bad on the
   * device are reported there, as CUDA reports a device-side assert, so that validating an
   * index costs no wait.
   */
  deferCheck(flag: DeviceArray, op: string, message: string): void;
}

const runtimes = new Map<string, DeviceRuntime>();

/** Makes a device's runtime available to `t.to(name)`; replaces an earlier one. */
export function registerDevice(runtime: DeviceRuntime): void {
  runtimes.set(runtime.name, runtime);
}

/** The runtime of a device that is not the CPU; throws naming `op` if it was never started. */
export function deviceRuntime(op: string, device: Exclude<DeviceName, "cpu">): DeviceRuntime {
  const runtime = runtimes.get(device);
  if (!runtime) {
    throw new DeviceError(
      op,
      `the ${device} device has not been started`,
      `call \`await initBackend("${device}")\` first`,
    );
  }
  return runtime;
}

/** Whether a device's runtime has been started. */
export function isDeviceStarted(device: DeviceName): boolean {
  return device === "cpu" || runtimes.has(device);
}

let defaultDevice: DeviceName = "cpu";
let opDevice: DeviceName | null = null;

/** Where new tensors are made outside ops: the CPU unless `setBackend` chose a device. */
export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}

/** @internal Sets where creation functions put new tensors. */
export function setDefaultDevice(device: DeviceName): void {
  if (device !== "cpu") deviceRuntime("setBackend", device);
  defaultDevice = device;
}

/** The device new data goes to: the running op's, else the default. */
export function targetDevice(): DeviceName {
  return opDevice ?? defaultDevice;
}

/** @internal Enters an op's device for its forward; returns what to restore after. */
export function enterDevice(device: DeviceName): DeviceName | null {
  const previous = opDevice;
  opDevice = device;
  return previous;
}

/** @internal Leaves an op's device (the value enterDevice returned). */
export function exitDevice(previous: DeviceName | null): void {
  opDevice = previous;
}

/** The device `storage` is on. */
export function deviceOf(storage: Storage): DeviceName {
  return storage instanceof DeviceArray ? storage.runtime.name : "cpu";
}

/** `length` zeros of `dtype` on `device`. */
export function allocateOn(device: DeviceName, dtype: DType, length: number): Storage {
  if (device === "cpu") return allocate(dtype, length);
  const runtime = deviceRuntime("allocate", device);
  requireSupported(runtime, "allocate", dtype);
  return runtime.allocate(dtype, length);
}

/** `data` on `device`: itself on the CPU, an uploaded copy elsewhere. */
export function placeOn(device: DeviceName, data: TypedArray, dtype: DType, op: string): Storage {
  if (device === "cpu") return data;
  const runtime = deviceRuntime(op, device);
  requireSupported(runtime, op, dtype);
  return runtime.upload(data, dtype);
}

/** Throws a DeviceError naming `op` if the runtime cannot hold `dtype`. */
export function requireSupported(runtime: DeviceRuntime, op: string, dtype: DType): void {
  if (!runtime.supports(dtype)) {
    throw new DeviceError(
      op,
      `the ${runtime.name} device cannot hold ${dtype} tensors`,
      dtype === "float64" ? `cast to float32 first, as in t.cast("float32")` : undefined,
    );
  }
}

const scalarCache = new Map<string, DeviceArray>();
/** Cached constants at most; past it the cache starts over. */
const SCALAR_CACHE_SIZE = 1024;

/**
 * A one-element constant on a device, shared by every op that uses the same number: a
 * number in a GPU op would otherwise cost an upload each time. Never written to (ops do not
 * write their inputs), so sharing is safe.
 */
export function scalarOn(runtime: DeviceRuntime, value: number, dtype: DType): DeviceArray {
  const key = `${runtime.name}:${dtype}:${Object.is(value, -0) ? "-0" : value}`;
  let array = scalarCache.get(key);
  if (!array) {
    if (scalarCache.size >= SCALAR_CACHE_SIZE) scalarCache.clear();
    const data = allocate(dtype, 1);
    data[0] = value;
    requireSupported(runtime, "scalar", dtype);
    array = runtime.upload(data, dtype);
    scalarCache.set(key, array);
  }
  return array;
}

/** A copy of the elements of `storage` in a new allocation on the same device. */
export function cloneStorage(storage: Storage): Storage {
  if (!(storage instanceof DeviceArray)) return storage.slice();
  const copy = storage.runtime.allocate(storage.dtype, storage.length);
  storage.runtime.kernels.copy(
    { data: storage, offset: 0, strides: [1] },
    { data: copy, offset: 0, strides: [1] },
    [storage.length],
  );
  return copy;
}
