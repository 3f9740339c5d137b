/**
 * The C library's allocator, prepared once for arrays of megabytes. Under glibc (Linux), an
 * allocation at or above malloc's mmap threshold (128 KiB at start) is mapped fresh from the
 * kernel and unmapped when freed, and the heap gives back its free top past the trim threshold
 * (twice the mmap threshold): either way, the next array of that size is new pages, each
 * filled on its first touch by a page fault. A training step that makes tens of megabytes of
 * tensors, which V8 frees in batches at each collection, paid that on every step: a 9.4 MB
 * activation of the MNIST network's second convolution cost about 14 ms of faults per touch
 * (about 6 µs per 4 KiB page here), and its step spent 30–40 ms of 180 in the kernel.
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

/** Whether the preparation has run (for tests). */
export function hostMemoryPrepared(): boolean {
  return prepared;
}
