/**
 * Ops whose output shape depends on their data (`nonzero`, `unique`, `maskedSelect`, …) need
 * that data on the host. Each is written once, as a plan: the tensors it must read and how it
 * finishes from their elements. The sync op reads them at once, which on a device waits for
 * it (a browser's main thread may not wait, and gets a BlockingReadError naming the async
 * op); the async op (`nonzeroAsync`, …) awaits `read()` first and finishes the same way, so
 * the two compute, and record on the tape, exactly the same thing.
 */
import { isGradEnabled, setGradEnabled } from "../autograd/grad-mode.js";
import { DeviceArray } from "../device.js";
import type { TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";

/** What a data-dependent op reads on the host, and how it finishes once it has. */
export interface HostPlan<R> {
  /** The tensors whose elements the op needs on the host. */
  readonly reads: readonly Tensor[];
  /** The op's result from the elements of `reads`, in the same order. */
  finish(data: readonly TypedArray[]): R;
}

/**
 * The elements of `t` for `op`, now: the live array on the CPU, a copy read back from a
 * device, or a BlockingReadError naming `op` and `asyncName` where the thread may not block.
 */
export function readNow(t: Tensor, op: string, asyncName: string): TypedArray {
  const storage = t.storage;
  if (!(storage instanceof DeviceArray)) return storage;
  return storage.runtime.readSync(storage, op, `\`await ${asyncName}(…)\``);
}

/** The sync op: reads what the plan needs now and finishes. */
export function finishNow<R>(op: string, asyncName: string, plan: HostPlan<R>): R {
  return plan.finish(plan.reads.map((t) => readNow(t, op, asyncName)));
}

/**
 * The async op: awaits what the plan needs, then finishes as the sync op does. The op is
 * recorded on the tape as grad mode was when it was called, not as it is when the data comes
 * back (grad mode is global, and other code may have run in between).
 */
export async function finishLater<R>(plan: HostPlan<R>): Promise<R> {
  const recording = isGradEnabled();
  const data = await Promise.all(plan.reads.map((t) => t.read()));
  const previous = setGradEnabled(recording);
  try {
    return plan.finish(data);
  } finally {
    setGradEnabled(previous);
  }
}
