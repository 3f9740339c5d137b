/**
 * The tensors' side of the WebGPU backend: device arrays are numbered handles, kernel calls
 * become commands for the device host (see device-host.ts), and memory is given back when a
 * handle is garbage collected. Two transports carry the commands: straight to a host on this
 * thread (browsers: reads are async only), or in batches to a host in a worker thread (Node:
 * a synchronous read posts a request and waits on shared memory with `Atomics.wait`).
 */

import { DeviceArray, type DeviceRuntime } from "../../device.js";
import { allocate, type DType, type TypedArray } from "../../dtype.js";
import { BlockingReadError, DeviceError, type TensortapeError, ValueError } from "../../errors.js";
import type { Backend } from "../backend.js";
import { type ArrayRef, CHECK_FAILED, type Command, type DeviceHost } from "./device-host.js";

/** How commands reach the device host and data comes back. */
export interface Transport {
  /** Queues commands, to run in order before any later read. */
  send(command: Command): void;
  /**
   * The elements of `ref`, waiting for them; throws where this thread may not block, naming
   * `op` and the async call to use `instead`.
   */
  readSync(ref: ArrayRef, dtype: DType, op: string, instead?: string): TypedArray;
  /** The elements of `ref`, once computed. */
  read(ref: ArrayRef, dtype: DType): Promise<TypedArray>;
}

/** The kernel methods of `Backend`, each forwarded as a command. */
const KERNELS = [
  "unary",
  "binary",
  "where",
  "reduce",
  "scan",
  "argReduce",
  "matmul",
  "copy",
  "softmax",
  "softmaxBackward",
  "attention",
  "attentionBackward",
  "layerNorm",
  "layerNormBackward",
  "gather",
  "scatterAdd",
  "im2col",
  "col2im",
  "windowMax",
  "windowSum",
  "sort",
  "scatterReduce",
  "sgdUpdate",
  "adamUpdate",
  "rmspropUpdate",
  "adagradUpdate",
] as const satisfies readonly Exclude<keyof Backend, "name">[];

/** A device array as a command carries it. */
function refOf(array: DeviceArray): ArrayRef {
  return { $: array.id, offset: array.offset, length: array.length };
}

/**
 * The argument as a command carries it: device arrays (also a view's `data`) become refs;
 * a CPU typed array where a device array belongs is a bug in an op, reported as one.
 */
function encode(method: string, value: unknown): unknown {
  if (value instanceof DeviceArray) return refOf(value);
  if (Array.isArray(value)) return value.map((v) => encode(method, v));
  if (ArrayBuffer.isView(value)) {
    throw new DeviceError(method, "a CPU array reached a webgpu kernel (an op passed .data)");
  }
  if (value !== null && typeof value === "object" && "data" in value && "strides" in value) {
    const view = value as { data: unknown };
    return { ...view, data: encode(method, view.data) };
  }
  return value;
}

/** The WebGPU device's runtime: `DeviceRuntime` over a transport. */
export class WebGpuRuntime implements DeviceRuntime {
  readonly name = "webgpu" as const;
  readonly kernels: Backend<DeviceArray, DeviceArray>;
  /** What the adapter says it is (for logs and the playground). */
  readonly adapterName: string;
  readonly #transport: Transport;
  #nextId = 1;
  readonly #released = new FinalizationRegistry<number>((id) =>
    this.#transport.send({ kind: "release", id }),
  );
  /** Device bytes handed out since the last collection this runtime asked for. */
  #sinceCollection = 0;
  readonly #collect: (() => void) | null;

  constructor(transport: Transport, adapterName: string) {
    this.#transport = transport;
    this.adapterName = adapterName;
    this.#collect = garbageCollector();
    const kernels: Record<string, unknown> = { name: "webgpu" };
    for (const method of KERNELS) {
      kernels[method] = (...args: unknown[]) =>
        transport.send({ kind: "kernel", method, args: args.map((a) => encode(method, a)) });
    }
    this.kernels = kernels as unknown as Backend<DeviceArray, DeviceArray>;
  }

  custom(name: string, wgsl: string, inputs: readonly DeviceArray[], out: DeviceArray): void {
    this.#transport.send({
      kind: "kernel",
      method: "custom",
      args: [name, wgsl, inputs.map(refOf), refOf(out)],
    });
  }

  /** Flags of checks not yet answered: held so that their memory is not reused first. */
  #checkFlags: DeviceArray[] = [];

  deferCheck(flag: DeviceArray, op: string, message: string): void {
    this.#checkFlags.push(flag);
    this.#transport.send({ kind: "check", flag: refOf(flag), op, message });
  }

  supports(dtype: DType): boolean {
    return dtype !== "float64";
  }

  allocate(dtype: DType, length: number): DeviceArray {
    const id = this.#nextId++;
    this.#transport.send({ kind: "allocate", id, dtype, length });
    return this.#handle(id, dtype, length);
  }

  upload(data: TypedArray, dtype: DType): DeviceArray {
    const id = this.#nextId++;
    this.#transport.send({ kind: "upload", id, dtype, data });
    return this.#handle(id, dtype, data.length);
  }

  readSync(array: DeviceArray, op: string, instead?: string): TypedArray {
    if (array.length === 0) return allocate(array.dtype, 0);
    // The flags stay referenced until the host has read them, with the data; a read refused
    // because the thread may not block (BlockingReadError) leaves them for the next read.
    const data = this.#transport.readSync(refOf(array), array.dtype, op, instead);
    this.#checkFlags = [];
    return data;
  }

  async read(array: DeviceArray): Promise<TypedArray> {
    if (array.length === 0) return allocate(array.dtype, 0);
    const flags = this.#checkFlags;
    this.#checkFlags = [];
    const data = await this.#transport.read(refOf(array), array.dtype);
    flags.length = 0;
    return data;
  }

  #handle(id: number, dtype: DType, length: number): DeviceArray {
    const array = new DeviceArray(this, id, 0, length, dtype);
    this.#released.register(array, id);
    // A handle is a few bytes to the JavaScript heap however much device memory it holds, so
    // the engine would see no reason to collect it: ask for a collection every so often.
    this.#sinceCollection += length * 4;
    if (this.#sinceCollection > COLLECT_EVERY_BYTES && this.#collect) {
      this.#sinceCollection = 0;
      this.#collect();
    }
    return array;
  }
}

/** Device bytes allocated between the collections the runtime asks for. */
const COLLECT_EVERY_BYTES = 256 * 2 ** 20;

interface NodeBuiltins {
  getBuiltinModule?(id: string): unknown;
}

/**
 * A full garbage collection on demand, where the engine allows one (Node, through V8's
 * `--expose-gc` in a fresh context); null elsewhere. The handles it frees are given back to
 * the device when their finalizers run, at the next turn of the event loop.
 */
function garbageCollector(): (() => void) | null {
  const node = (globalThis as { process?: NodeBuiltins }).process;
  const v8 = node?.getBuiltinModule?.("node:v8") as
    | { setFlagsFromString(flags: string): void }
    | undefined;
  const vm = node?.getBuiltinModule?.("node:vm") as
    | { runInNewContext(code: string): unknown }
    | undefined;
  if (!v8 || !vm) return null;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? () => (gc as () => void)() : null;
  } catch {
    return null;
  }
}

/**
 * A device failure, rethrown on the tensors' side: a failed deferred check as the ValueError
 * of the op that registered it, anything else as a DeviceError naming the read.
 */
export function deviceFailure(
  op: string,
  error: { name?: string; message?: string },
): TensortapeError {
  const message = error.message ?? String(error);
  if (message.startsWith(CHECK_FAILED)) {
    const [checkedOp, ...rest] = message.slice(CHECK_FAILED.length).split("\n");
    return new ValueError(
      checkedOp!,
      `${rest.join("\n")} (found on the device, reported at this read)`,
    );
  }
  return new DeviceError(op, `the webgpu device failed: ${message}`);
}

/**
 * Commands run at once on a host on this thread. Reads are async only: the device answers
 * through this thread's event loop, which a blocking wait would stop.
 */
export class CallerThreadTransport implements Transport {
  readonly #host: DeviceHost;

  constructor(host: DeviceHost) {
    this.#host = host;
  }

  send(command: Command): void {
    this.#host.run([command]);
  }

  readSync(_ref: ArrayRef, _dtype: DType, op: string, instead?: string): TypedArray {
    throw new BlockingReadError(op, "webgpu", instead);
  }

  async read(ref: ArrayRef): Promise<TypedArray> {
    try {
      return await this.#host.read(ref);
    } catch (error) {
      throw deviceFailure("read", error as Error);
    }
  }
}
