import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import type { AttentionArgs } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ShapeError, ValueError } from "../../errors.js";
import { Tensor } from "../../tensor.js";
import { stack } from "../composite/stack.js";
import { empty, onDevice, requireFloat } from "../kernels.js";
import { unbind } from "../shape/unbind.js";
import { swapAxes } from "../transpose.js";
import {
  attentionOptions,
  backwardWithOps,
  causalScores,
  maskScores,
  maskView,
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from "./scaled-dot-product-attention.js";

const OP = "packedAttention";

/** Options of `packedAttention`: those of `scaledDotProductAttention` but the layout. */
export type PackedAttentionOptions = Omit<ScaledDotProductAttentionOptions, "sequenceFirst">;

interface PackedAttentionAttrs {
  readonly scale: number;
  /** The mask is the causal one. */
  readonly causal: boolean;
}

/** The backend's arguments for qkv [...batch, L, 3, H, E]. */
function packedArgs(qkv: Tensor, { scale, causal }: PackedAttentionAttrs): AttentionArgs {
  const [l, , heads, e] = qkv.shape.slice(-4) as [number, number, number, number];
  const batchShape = [...qkv.shape.slice(0, -4), heads];
  return { batchShape, l, s: l, e, ev: e, scale, causal, sequenceFirst: true, packed: true };
}

/** q, k and v heads first ([..., H, L, E]), as ops of qkv, for the rule written with ops. */
const headsFirstParts = (qkv: Tensor): Tensor[] =>
  unbind(qkv, -3).map((part) => swapAxes(part, -3, -2));

const packedAttentionOp: OpSpec<PackedAttentionAttrs, { readonly weights: Tensor }> = {
  name: OP,
  // The mask broadcasts to the weights' [..., H, L, L]: its gradient is summed back.
  broadcast: true,
  forward: ([qkv, mask], attrs) => {
    const args = packedArgs(qkv!, attrs);
    const { batchShape, l, e } = args;
    const output = empty([...qkv!.shape.slice(0, -4), l, batchShape.at(-1)!, e], qkv!.dtype);
    const weights = empty([...batchShape, l, l], qkv!.dtype);
    const { storage } = qkv!;
    getBackend().attention(
      storage,
      storage,
      storage,
      mask ? maskView(mask, batchShape, l, l) : null,
      output.storage,
      weights.storage,
      args,
    );
    // Only the rule reads the weights: their memory is reused once it has run.
    return { output, saved: { weights }, scratch: [weights] };
  },
  backward: (g, { inputs: [qkv, mask], attrs, saved: { weights } }) => {
    // One kernel writes the three gradients into one array, where the projection's rule reads
    // them: no slices to copy out, nor their gradients to copy back in.
    if (!isGradEnabled() && mask?.requiresGrad !== true) {
      const dqkv = onDevice(qkv!.device, () => {
        const grad = empty(qkv!.shape, qkv!.dtype);
        const { storage } = grad;
        getBackend().attentionBackward(
          qkv!.storage,
          qkv!.storage,
          qkv!.storage,
          weights.storage,
          g.storage,
          storage,
          storage,
          storage,
          packedArgs(qkv!, attrs),
        );
        return grad;
      });
      return mask ? [dqkv, null] : [dqkv];
    }
    // Second derivatives or a mask's gradient: scaledDotProductAttention's rule written with
    // ops, on q, k and v taken apart (recorded when this pass is), their gradients put back.
    const wanted = { q: qkv!.requiresGrad, k: qkv!.requiresGrad, v: qkv!.requiresGrad };
    const [q, k, v] = headsFirstParts(qkv!) as [Tensor, Tensor, Tensor];
    const grads = backwardWithOps(swapAxes(g, -3, -2), q, k, v, mask, weights, null, attrs.scale, {
      ...wanted,
      mask: mask?.requiresGrad === true,
    });
    const dqkv = wanted.q
      ? stack(
          grads.slice(0, 3).map((d) => swapAxes(d!, -3, -2)),
          -3,
        )
      : null;
    return mask ? [dqkv, grads[3] ?? null] : [dqkv];
  },
};

/** Checks qkv's layout [..., L, 3, H, E] and returns L, H and E. Errors name the shape as given. */
function checkPacked(qkv: Tensor): [number, number, number] {
  if (!(qkv instanceof Tensor)) {
    throw new ValueError(OP, `qkv must be a Tensor; got ${typeof qkv}`);
  }
  requireFloat(OP, qkv);
  if (qkv.rank < 4 || qkv.shape[qkv.rank - 3] !== 3) {
    throw new ShapeError(
      OP,
      "qkv must be [..., L, 3, H, E]: each position's query, key and value for every head",
      { qkv: qkv.shape },
      "reshape a projection's [..., L, 3·H·E] output to [..., L, 3, H, E]",
    );
  }
  const [l, , heads, e] = qkv.shape.slice(-4) as [number, number, number, number];
  return [l, heads, e];
}

/**
 * Self-attention over a packed projection, as flash-attn's `qkvpacked` functions take it: `qkv`
 * holds each position's query, key and value for every head side by side ([..., L, 3, H, E],
 * what a linear layer to 3·H·E features writes, reshaped), and the result is [..., L, H, E].
 * The same values as `scaledDotProductAttention(q, k, v, { sequenceFirst: true, ...options })`
 * with q, k and v the three parts of qkv, and the same gradient (the three parts' gradients,
 * packed), without copying the parts out of qkv or their gradients back in: the kernels read
 * them where the projection left them. The mask broadcasts to the weights' [..., H, L, L].
 * qkv: [..., L, 3, H, E] → [..., L, H, E]
 * @example
 * const x = randn([2, 5, 16]); // batch 2, 5 positions of 16 features
 * const qkv = linear(x, randn([48, 16])).reshape([2, 5, 3, 4, 4]); // 4 heads of size 4
 * packedAttention(qkv, { isCausal: true }).reshape([2, 5, 16]); // the heads side by side
 */
export function packedAttention(qkv: Tensor, options: PackedAttentionOptions = {}): Tensor {
  checkOptions(OP, options, ["attnMask", "isCausal", "dropoutP", "scale", "generator"]);
  const [l, heads, e] = checkPacked(qkv);
  const { isCausal, attnMask, dropoutP, scale } = attentionOptions(OP, options, e);
  if (dropoutP > 0 || qkv.size === 0) {
    // Dropout's rule is written with ops: attention over the three parts, taken apart.
    const [q, k, v] = unbind(qkv, -3) as [Tensor, Tensor, Tensor];
    return scaledDotProductAttention(q, k, v, { ...options, sequenceFirst: true });
  }
  const batch = [...qkv.shape.slice(0, -4), heads];
  const mask = isCausal
    ? causalScores(l, l, qkv.dtype, qkv.device)
    : attnMask !== null
      ? maskScores(attnMask, { qkv }, batch, [l, l], OP)
      : null;
  return applyOp(packedAttentionOp, mask ? [qkv, mask] : [qkv], { scale, causal: isCausal });
}
