/**
 * Messages between the tensors' thread and the worker thread that owns the device (Node).
 * A synchronous read is answered in shared memory: `SYNC_STATE` goes from 0 to 1 (the data
 * follows at `SYNC_HEADER` bytes) or 2 (a UTF-8 error message follows), then is notified.
 */
import type { DType, TypedArray } from "../../dtype.js";
import type { ArrayRef, Command } from "./device-host.js";

/** Messages to the worker. */
export type ToWorker =
  | { readonly kind: "run"; readonly commands: readonly Command[] }
  | {
      readonly kind: "readSync";
      readonly ref: ArrayRef;
      readonly dtype: DType;
      readonly sab: SharedArrayBuffer;
    }
  | { readonly kind: "read"; readonly ref: ArrayRef; readonly request: number };

/** Messages from the worker. */
export type FromWorker =
  | { readonly kind: "ready"; readonly adapter: string }
  | { readonly kind: "failed"; readonly message: string }
  | {
      readonly kind: "read";
      readonly request: number;
      readonly data?: TypedArray;
      readonly error?: string;
    };

/** Int32 index of the state word of a synchronous read's shared buffer. */
export const SYNC_STATE = 0;
/** Int32 index of the payload's length in bytes. */
export const SYNC_BYTES = 1;
/** Bytes before the payload. */
export const SYNC_HEADER = 8;

/**
 * Bytes before the message in the worker's status buffer (`workerData.status`): Int32 0 is
 * 1 once the worker has died of an uncaught error, Int32 1 the message's length in bytes.
 */
export const STATUS_HEADER = 8;
