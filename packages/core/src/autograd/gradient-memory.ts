/**
 * Which of the backward pass's gradient arrays are dead, so that their memory can be used
 * again (see host-memory.ts). PyTorch frees a gradient the moment its last reference goes;
 * here arrays live until V8 collects them, and a step's worth of dead gradients is what sets
 * the collector off. The engine is the only holder of most gradients it hands from one rule
 * to the next, so it can tell when one is dead: an array is given back only if
 *
 * - it was made during this pass (so no tensor from before it, an activation or a parameter,
 *   can share it), as a whole buffer;
 * - no gradient still waiting to be propagated holds it, counted per buffer so that views
 *   (a reshape of a gradient, one gradient sent to two inputs) count as holders (a region
 *   gradient's values are never given back, so only whole gradients are counted);
 * - it never left the engine: not a leaf's `.grad`, not a gradient returned to the caller of
 *   `gradients()`, not the values of a region gradient, and never seen by a user's rule
 *   (a built-in rule reads its upstream gradient and returns new tensors, or views of it,
 *   which the count sees; a user's rule might keep it anywhere);
 * - the rule that consumed it returned nothing that shares it.
 *
 * An op's scratch (`Forwarded.scratch`: saved tensors only its rule reads, such as attention's
 * weights) is given back once that rule has run in a pass that releases the graph.
 *
 * Only CPU arrays are recycled, and never while the backward pass is itself recorded
 * (`createGraph`), when gradients are saved by the graph they build.
 */
import { DeviceArray } from "../device.js";
import type { TypedArray } from "../dtype.js";
import { beginOwnedArrays, recyclable, recycle } from "../host-memory.js";
import type { Tensor } from "../tensor.js";
import { RegionGradient } from "./region-gradient.js";

/** Something a gradient slot or a rule's result may hold. */
type Held = Tensor | RegionGradient | null | undefined;

/**
 * The buffer of a host array worth recycling behind `item` (a region gradient's values), or
 * undefined: device memory, and arrays too small to keep, need no bookkeeping, which keeps
 * the pass over a graph of small tensors as cheap as before.
 */
function bufferOf(item: Held): ArrayBufferLike | undefined {
  const t = item instanceof RegionGradient ? item.values : item;
  if (!t) return undefined;
  const storage = t.storage;
  if (storage instanceof DeviceArray) return undefined;
  const buffer = storage.buffer;
  return recyclable(buffer.byteLength) ? buffer : undefined;
}

/** One backward pass's bookkeeping of gradient arrays; `end()` when the pass is over. */
export class GradientMemory {
  readonly #owned: WeakSet<object>;
  readonly #restore: () => void;
  /** Gradient slots holding each buffer. */
  readonly #held = new Map<ArrayBufferLike, number>();
  /** Buffers that left the engine (see the module's comment): never given back. */
  readonly #kept = new Set<ArrayBufferLike>();

  constructor() {
    const { owned, restore } = beginOwnedArrays();
    this.#owned = owned;
    this.#restore = restore;
  }

  /** A gradient slot now holds `t`. */
  hold(t: Tensor | undefined): void {
    const buffer = bufferOf(t);
    if (buffer) this.#held.set(buffer, (this.#held.get(buffer) ?? 0) + 1);
  }

  /** A gradient slot no longer holds `t`. */
  release(t: Tensor | undefined): void {
    const buffer = bufferOf(t);
    if (!buffer) return;
    const count = (this.#held.get(buffer) ?? 0) - 1;
    if (count > 0) this.#held.set(buffer, count);
    else this.#held.delete(buffer);
  }

  /** `items` left the engine (a leaf's grad, a returned gradient, a user's rule saw them). */
  keep(items: readonly Held[]): void {
    for (const item of items) {
      const buffer = bufferOf(item);
      if (buffer) this.#kept.add(buffer);
    }
  }

  /**
   * The engine is done with `t`; `live` are what it still uses (the rule's inputs). Gives
   * back its array if no one else can reach it.
   */
  drop(t: Tensor | undefined, live: readonly Tensor[]): void {
    const buffer = bufferOf(t);
    const array = t?.storage as TypedArray;
    if (!buffer || !this.#owned.has(array)) return;
    if (this.#held.has(buffer) || this.#kept.has(buffer)) return;
    if (live.some((input) => bufferOf(input) === buffer)) return;
    // Given back once: a later allocation that reuses it owns it anew.
    this.#owned.delete(array);
    recycle(array);
  }

  /**
   * Gives back the arrays of a node's scratch (see `Forwarded.scratch`) once its rule has run
   * for the last time, except one that a gradient the rule returned shares.
   */
  dropScratch(scratch: readonly Tensor[], returned: readonly Held[]): void {
    for (const t of scratch) {
      const buffer = bufferOf(t);
      if (!buffer || returned.some((r) => bufferOf(r) === buffer)) continue;
      if (this.#held.has(buffer) || this.#kept.has(buffer)) continue;
      recycle(t.storage as TypedArray);
    }
  }

  /** Stops remembering new arrays as this pass's own. */
  end(): void {
    this.#restore();
  }
}
