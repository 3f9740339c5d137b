import type { Tensor } from "../tensor.js";
import type { RegionGradient } from "./region-gradient.js";

/**
 * A vector-Jacobian product: the upstream gradient in, one gradient per input out (a
 * `RegionGradient` where the gradient is zero outside a slice of the input).
 */
export type VJP = (g: Tensor) => readonly (Tensor | RegionGradient | null | undefined)[];

/**
 * One recorded op application: the tape entry behind every tensor that an op made while
 * gradients were being recorded. The engine walks nodes; it never looks at what an op does.
 */
export class Node {
  /** Set to null once the graph is released after `backward()`. */
  vjp: VJP | null;

  constructor(
    /** The op's name, as in `matmul` or a custom op's name. */
    readonly op: string,
    /** Every tensor input, in order; those with `requiresGrad` receive gradients. */
    readonly inputs: readonly Tensor[],
    vjp: VJP,
    /** Inputs were broadcast, so the engine may sum gradients back to their shapes. */
    readonly broadcast: boolean,
    /** The user's stack when the op was recorded (anomaly mode only). */
    readonly createdAt: string | undefined,
    /**
     * The op's rule is a user's (`defineOp`, `applyOp` from outside the library), which may
     * keep the gradients it sees: the engine then never reuses their memory.
     */
    readonly userRule = false,
    /**
     * Saved tensors only the rule reads (`Forwarded.scratch`): their memory is reused once the
     * rule has run in a pass that releases the graph, and the field is then cleared.
     */
    public scratch: readonly Tensor[] | undefined = undefined,
  ) {
    this.vjp = vjp;
  }

  /** Whether `backward()` has already freed this node's saved tensors. */
  get released(): boolean {
    return this.vjp === null;
  }
}
