/**
 * Host memory for tensors: the C library's allocator prepared for arrays of megabytes, and
 * the arrays the backward pass is done with kept for the next tensors of their size.
 *
 * The allocator. Under glibc (Linux), an
 * allocation at or above malloc's mmap threshold (128 KiB at start) is mapped fresh from the
 * kernel and unmapped when freed, and the heap gives back its free top past the trim threshold
 * (twice the mmap threshold): either way, the next array of that size is new pages, each
 * filled on its first touch by a page fault. A training step that makes tens of megabytes of
 * tensors, which V8 frees in batches at each collection, paid that on every step: a 9.4 MB
 * activation of the MNIST network's second convolution cost about 14 ms of page faults each
 * time one was made (about 6 µs per 4 KiB page here), and its step spent 30–40 ms of 180 in
 * the kernel.
 *
 * glibc raises both thresholds by itself when a mapped block is freed, to that block's size
 * (at most 32 MiB; mallopt(3), "dynamic mmap threshold"). So, once, as the first array of a
 * megabyte or more is made, one array just under 32 MiB is made and dropped: it is never
 * touched (untouched mapped pages cost nothing), and when the collector frees it, later
 * tensors up to 32 MiB come from a heap that keeps up to 64 MiB of freed pages for reuse.
 * Measured (out-of-process page-fault counts, 10 steps at batch 64): the convolutional step's
 * faults fell from 3,600–5,700 to 500–1,100 per step. Elsewhere (macOS, musl, a browser) the
 * allocators differ and nothing is done.
 */
import type { TypedArray } from "./dtype.js";

/** Arrays from this size on are the ones the preparation is for. */
const LARGE_BYTES = 2 ** 20;
/** glibc's largest dynamic mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems). */
const MMAP_THRESHOLD_MAX = 32 * 2 ** 20;
/** Room for malloc's chunk header and page rounding, so the block stays within the maximum. */
const HEADER_ROOM = 64 * 2 ** 10;

let prepared = false;

interface ProcessLike {
  readonly platform?: string;
}

/** Called with the size of each new CPU array, before it is made. */
export function noteHostAllocation(bytes: number): void {
  if (prepared || bytes < LARGE_BYTES) return;
  prepared = true;
  const platform = (globalThis as { process?: ProcessLike }).process?.platform;
  if (platform !== "linux") return;
  // Made and dropped at once; the collector frees it with the next batch.
  new Uint8Array(MMAP_THRESHOLD_MAX - HEADER_ROOM);
}

/**
 * Recycling. Arrays become garbage only when V8 collects them, and V8 collects by how much
 * array memory has been made since its last collection (a full mark-compact every 64 MB or
 * so): a GPT training step that made 250 MB of arrays ran six or more full collections, whose
 * background marking takes the core the worker threads compute on. The backward pass knows
 * when a gradient it handed from one rule to the next is dead (autograd/gradient-memory.ts),
 * so it gives such arrays back here, and `allocate` hands them out again, zeroed, for the next
 * arrays of their dtype and length: the next rule's gradients, the next step's activations.
 */

/** Arrays kept for reuse at most, in bytes; past it, given-back arrays are left to the collector. */
const RECYCLED_BYTES = 64 * 2 ** 20;
/** Smaller arrays cost little to make and are not kept. */
const RECYCLED_MIN_BYTES = 16 * 2 ** 10;

/** Arrays kept, by their type and then their length. */
const recycled = new Map<object, Map<number, TypedArray[]>>();
let recycledBytes = 0;
/** Arrays made while a backward pass runs, which it may give back (null outside one). */
let owned: WeakSet<object> | null = null;

/**
 * Internal switches for tests: recycling on or off; `poison` writes NaN into every array given
 * back and gives back arrays of every size, so that a test that reads a gradient after its
 * memory was given back sees NaN.
 */
export const recyclingTesting: { enabled: boolean; poison: boolean } = {
  enabled: true,
  poison: false,
};

/**
 * A recycled array made by `type` (Float32Array, …) of `length`, zeroed, or undefined when
 * none is kept.
 */
export function takeRecycled(type: object, length: number): TypedArray | undefined {
  if (recycledBytes === 0) return undefined;
  const array = recycled.get(type)?.get(length)?.pop();
  if (!array) return undefined;
  recycledBytes -= array.byteLength;
  array.fill(0);
  return array;
}

/** Whether arrays of `bytes` are ever kept for reuse (every size while poisoning, for tests). */
export function recyclable(bytes: number): boolean {
  return bytes >= RECYCLED_MIN_BYTES || recyclingTesting.poison;
}

/** Called with each new CPU array: remembered as the running backward pass's own, if one runs. */
export function noteNewArray(array: TypedArray): void {
  if (owned && recyclable(array.byteLength)) owned.add(array);
}

/**
 * Starts remembering the arrays made from now on as a backward pass's own: returns that set,
 * and `restore`, which goes back to the enclosing pass's (a pass may run inside another's rule).
 */
export function beginOwnedArrays(): { readonly owned: WeakSet<object>; restore(): void } {
  const previous = owned;
  const mine = new WeakSet<object>();
  owned = mine;
  return {
    owned: mine,
    restore: () => {
      owned = previous;
    },
  };
}

/**
 * Gives back `array` for reuse: the caller guarantees that nothing can read or write it any
 * more. Kept only if it is a whole buffer of a size worth keeping and there is room.
 */
export function recycle(array: TypedArray): void {
  if (!recyclingTesting.enabled) return;
  if (array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) return;
  if (!recyclable(array.byteLength)) return;
  if (recycledBytes + array.byteLength > RECYCLED_BYTES) return;
  if (recyclingTesting.poison) array.fill(Number.NaN as never);
  let byLength = recycled.get(array.constructor);
  if (!byLength) {
    byLength = new Map();
    recycled.set(array.constructor, byLength);
  }
  const list = byLength.get(array.length);
  if (list) list.push(array);
  else byLength.set(array.length, [array]);
  recycledBytes += array.byteLength;
}

/** Bytes of arrays kept for reuse now (for tests). */
export function recycledBytesNow(): number {
  return recycledBytes;
}

/** Whether the preparation has run (for tests). */
export function hostMemoryPrepared(): boolean {
  return prepared;
}
