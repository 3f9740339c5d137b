/**
 * Commands to a device host in a worker thread (Node). They are batched and posted once per
 * tick (or every `BATCH` commands), so an op costs an array push rather than a message. A
 * synchronous read posts what is queued and a request, then waits on shared memory.
 */
import { allocate, type DType, type TypedArray } from "../../dtype.js";
import type { ArrayRef, Command } from "./device-host.js";
import { deviceFailure, type Transport } from "./runtime.js";
import {
  type FromWorker,
  STATUS_HEADER,
  SYNC_BYTES,
  SYNC_HEADER,
  SYNC_STATE,
  type ToWorker,
} from "./worker-protocol.js";

/** The part of node:worker_threads' Worker the transport uses. */
export interface DeviceWorker {
  postMessage(message: ToWorker): void;
  on(event: "message", listener: (message: FromWorker) => void): void;
  ref(): void;
  unref(): void;
}

/** Commands queued before they are posted anyway. */
const BATCH = 512;

/** Bytes of element storage per dtype on the tensors' side. */
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export class WorkerTransport implements Transport {
  readonly #worker: DeviceWorker;
  #queue: Command[] = [];
  #scheduled = false;
  #nextRequest = 1;
  readonly #pending = new Map<number, { resolve(d: TypedArray): void; reject(e: Error): void }>();
  #shared: SharedArrayBuffer | null = null;

  readonly #status: SharedArrayBuffer;

  constructor(worker: DeviceWorker, status: SharedArrayBuffer) {
    this.#worker = worker;
    this.#status = status;
    worker.on("message", (message) => {
      if (message.kind !== "read") return;
      const pending = this.#pending.get(message.request);
      if (!pending) return;
      this.#pending.delete(message.request);
      if (this.#pending.size === 0) worker.unref();
      if (message.error !== undefined)
        pending.reject(deviceFailure("read", { message: message.error }));
      else pending.resolve(message.data!);
    });
  }

  send(command: Command): void {
    this.#queue.push(command);
    if (this.#queue.length >= BATCH) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Posts the queued commands. */
  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const commands = this.#queue;
    this.#queue = [];
    this.#worker.postMessage({ kind: "run", commands });
  }

  readSync(ref: ArrayRef, dtype: DType, op: string): TypedArray {
    this.flush();
    const bytes = ref.length * BYTES[dtype];
    const size = SYNC_HEADER + Math.max(bytes, 4096);
    if (!this.#shared || this.#shared.byteLength < size) this.#shared = new SharedArrayBuffer(size);
    const sab = this.#shared;
    const state = new Int32Array(sab, 0, 2);
    Atomics.store(state, SYNC_STATE, 0);
    this.#worker.postMessage({ kind: "readSync", ref, dtype, sab });
    // Wait in slices, so that a worker that died of an uncaught error is noticed.
    while (Atomics.load(state, SYNC_STATE) === 0) {
      if (Atomics.wait(state, SYNC_STATE, 0, 200) === "timed-out") this.#checkAlive(op);
    }
    const length = state[SYNC_BYTES]!;
    if (Atomics.load(state, SYNC_STATE) === 2) {
      const message = new TextDecoder().decode(new Uint8Array(sab, SYNC_HEADER, length).slice());
      throw deviceFailure(op, { message });
    }
    const out = allocate(dtype, ref.length);
    new Uint8Array(out.buffer).set(new Uint8Array(sab, SYNC_HEADER, length));
    return out;
  }

  /** Throws, with the worker's own error, if the device worker has died. */
  #checkAlive(op: string): void {
    const status = new Int32Array(this.#status, 0, 2);
    if (Atomics.load(status, 0) === 0) return;
    const bytes = new Uint8Array(this.#status, STATUS_HEADER, status[1]!).slice();
    throw deviceFailure(op, {
      message: `the device worker died: ${new TextDecoder().decode(bytes)}`,
    });
  }

  read(ref: ArrayRef): Promise<TypedArray> {
    this.flush();
    const request = this.#nextRequest++;
    // An unanswered read keeps the process alive; the worker is unref'd again after.
    this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(request, { resolve, reject });
      this.#worker.postMessage({ kind: "read", ref, request });
    });
  }
}
