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
 *   (a reshape of a gradient, one gradient sent to two inputs) count as holders;
 * - it never left the engine: not a leaf's `.grad`, not a gradient returned to the caller of
 *   `gradients()`, not the values of a region gradient, and never seen by a user's rule
 *   (a built-in rule reads its upstream gradient and returns new tensors, or views of it,
 *   which the count sees; a user's rule might keep it anywhere);
 * - the rule that consumed it returned nothing that shares it.
 *
 * Only CPU arrays are recycled, and never while the backward pass is itself recorded
 * (`createGraph`), when gradients are saved by the graph they build.
 */
import { DeviceArray } from "../device.js";
import type { TypedArray } from "../dtype.js";
import { beginOwnedArrays, recycle } from "../host-memory.js";
import { Tensor } from "../tensor.js";
import { RegionGradient } from "./region-gradient.js";

/** Something a gradient slot or a rule's result may hold. */
type Held = Tensor | RegionGradient | null | undefined;

/** The host array behind a tensor, or undefined for device memory. */
function hostArray(t: Tensor): TypedArray | undefined {
  const storage = t.storage;
  return storage instanceof DeviceArray ? undefined : storage;
}

/** The buffers of the tensors in `items` (a region gradient's values included). */
function* buffersOf(items: readonly Held[]): Generator<ArrayBufferLike> {
  for (const item of items) {
    const t = item instanceof RegionGradient ? item.values : item;
    if (t instanceof Tensor) {
      const array = hostArray(t);
      if (array) yield array.buffer;
    }
  }
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

  /** A gradient slot now holds `items`. */
  hold(items: readonly Held[]): void {
    for (const buffer of buffersOf(items))
      this.#held.set(buffer, (this.#held.get(buffer) ?? 0) + 1);
  }

  /** A gradient slot no longer holds `items`. */
  release(items: readonly Held[]): void {
    for (const buffer of buffersOf(items)) {
      const count = (this.#held.get(buffer) ?? 0) - 1;
      if (count > 0) this.#held.set(buffer, count);
      else this.#held.delete(buffer);
    }
  }

  /** `items` left the engine (a leaf's grad, a returned gradient, a user's rule saw them). */
  keep(items: readonly Held[]): void {
    for (const buffer of buffersOf(items)) this.#kept.add(buffer);
  }

  /**
   * The engine is done with each of `dead`; `live` are what it still uses (the rule's results,
   * its inputs). Gives back the arrays no one else can reach.
   */
  drop(dead: readonly Tensor[], live: readonly Held[]): void {
    const alive = new Set(buffersOf(live));
    for (const t of dead) {
      const array = hostArray(t);
      if (!array || !this.#owned.has(array)) continue;
      const buffer = array.buffer;
      if (this.#held.has(buffer) || this.#kept.has(buffer) || alive.has(buffer)) continue;
      // Given back once: a later allocation that reuses it owns it anew.
      this.#owned.delete(array);
      recycle(array);
    }
  }

  /** Stops remembering new arrays as this pass's own. */
  end(): void {
    this.#restore();
  }
}
