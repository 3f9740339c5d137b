import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import type { StridedView } from "../../backend/backend.js";
import { getBackend } from "../../backend/registry.js";
import { rand } from "../../creation.js";
import type { DeviceName, Storage } from "../../device.js";
import { allocate } from "../../dtype.js";
import { checkOptions, DTypeError, ShapeError, ValueError } from "../../errors.js";
import type { Generator } from "../../random.js";
import { broadcastShapes, broadcastsTo, formatShape, shapesEqual } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { add } from "../add.js";
import { broadcastTo } from "../broadcast-to.js";
import { eq, lt } from "../comparison.js";
import { broadcastView, contiguousView, empty, onDevice, requireFloat } from "../kernels.js";
import { matmul } from "../matmul.js";
import { max } from "../max.js";
import { mul } from "../mul.js";
import { any } from "../reduction/any.js";
import { softmax, softmaxBackward } from "../softmax.js";
import { to } from "../to-device.js";
import { swapAxes } from "../transpose.js";
import { where } from "../where.js";

const OP = "scaledDotProductAttention";

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Which keys each query may attend to, broadcast to [..., L, S]: a bool mask where true
   * means "takes part", or a float mask (of the inputs' dtype) added to the scores, with −∞
   * to exclude. A float mask that requires grad gets a gradient. Default none.
   */
  readonly attnMask?: Tensor | null;
  /**
   * Query i attends to keys 0..i only: the top-left aligned lower triangle of [L, S], as
   * PyTorch's `is_causal`. Cannot be combined with `attnMask`. Default false.
   */
  readonly isCausal?: boolean;
  /** Dropout probability on the attention weights, applied whenever > 0. Default 0. */
  readonly dropoutP?: number;
  /** Multiplies the scores q·kᵀ. Default 1/√E. */
  readonly scale?: number | null;
  /** Draws the dropout mask. Default: the generator seeded by `manualSeed`, read at each call. */
  readonly generator?: Generator;
  /**
   * q, k, v and the result have the sequence before the heads: [..., L, H, E], [..., S, H, E],
   * [..., S, H, Ev] → [..., L, H, Ev], the layout of a linear layer's output reshaped to
   * heads (and JAX's `dot_product_attention`'s), rather than [..., H, L, E]. The same values
   * as swapping the two axes before and after, without the copies. The mask still
   * broadcasts to the weights' [..., H, L, S]. Default false.
   */
  readonly sequenceFirst?: boolean;
}

interface AttentionAttrs {
  readonly scale: number;
  /** The mask is the causal one, which leaves every query at least its first key. */
  readonly causal: boolean;
  readonly dropoutP: number;
  readonly generator: Generator | undefined;
  /** q, k, v and the output are [..., L, H, E] (see the option). */
  readonly sequenceFirst: boolean;
}

interface AttentionSaved {
  /** softmax(scale·q·kᵀ + mask), before dropout: [..., L, S]. */
  readonly weights: Tensor;
  /** 0 where dropped, 1/(1 − p) where kept; null without dropout. */
  readonly dropMask: Tensor | null;
}

/**
 * Softmax along the last axis, giving 0 rather than NaN in a row whose scores are all −∞ (a
 * query with no key to attend to), as PyTorch's `_safe_softmax` does in its math backend.
 * A causal mask leaves every query its first key, so its rows need no such check (nor does
 * PyTorch's fused CPU kernel, which takes causal attention, make one).
 */
function safeSoftmax(scores: Tensor, causal: boolean): Tensor {
  // A row is all −∞ exactly when its maximum is: one reduction finds them (before the
  // softmax, which may overwrite the scores).
  const noKey =
    scores.size === 0 || causal ? null : eq(max(scores, -1, true), Number.NEGATIVE_INFINITY);
  const weights = softmaxOfOwned(scores);
  if (noKey === null) return weights;
  // Such rows are rare: on the CPU, skip the pass over the weights when there are none. On a
  // device the pass costs less than waiting for the answer, which a browser's main thread
  // cannot do at all.
  if (scores.device === "cpu" && !any(noKey).item()) return weights;
  return where(noKey, Tensor.scalar(0, scores.dtype), weights);
}

/**
 * The scores are this forward's own intermediate, which nothing else holds: on the CPU the
 * mask is added and the softmax taken in their array (see `Backend.binary`), which saves two
 * [..., L, S] arrays a step; a device, whose kernels never write an input, gets new ones.
 */
function addOwned(scores: Tensor, mask: Tensor): Tensor {
  if (scores.device !== "cpu") return add(scores, mask);
  getBackend().binary(
    "add",
    contiguousView(scores),
    broadcastView(mask, scores.shape),
    scores.storage,
    scores.shape,
  );
  return scores;
}

function softmaxOfOwned(scores: Tensor): Tensor {
  if (scores.device !== "cpu" || scores.rank === 0) return softmax(scores, -1);
  const cols = scores.shape[scores.rank - 1]!;
  const rows = cols === 0 ? 0 : scores.size / cols;
  getBackend().softmax(scores.storage, rows, cols, scores.storage, false);
  return scores;
}

/**
 * softmax's VJP written over the gradient of the weights, which the backward rule made and
 * alone holds (unrecorded, on the CPU: see `Backend.softmaxBackward`).
 */
function softmaxBackwardInPlace(weights: Tensor, dWeights: Tensor): Tensor {
  const cols = dWeights.shape[dWeights.rank - 1]!;
  const rows = cols === 0 ? 0 : dWeights.size / cols;
  const { storage } = dWeights;
  getBackend().softmaxBackward(weights.storage, storage, rows, cols, storage, false);
  return dWeights;
}

/** 1/(1 − p) with probability 1 − p, else 0: inverted dropout's mask, drawn element by element. */
function dropoutMask(
  shape: readonly number[],
  p: number,
  generator: Generator | undefined,
  dtype: Tensor["dtype"],
  device: DeviceName,
): Tensor {
  const keep = 1 - p;
  // Drawn and compared on the CPU in float64 (a GPU has no float64), so a seed drops the same
  // elements on every device; only the mask moves.
  const u = rand(shape, { dtype: "float64", device: "cpu", ...(generator ? { generator } : {}) });
  const kept = Tensor.scalar(keep === 0 ? 0 : 1 / keep, dtype);
  return where(to(lt(u, keep), device), kept, Tensor.scalar(0, dtype));
}

/**
 * The attention weights as an op of q, k (and a float mask) whose value is the one the
 * forward already computed: the backward rule of `scaledDotProductAttention` goes through it,
 * so that its gradient depends on q and k on the tape and can be differentiated again,
 * without recomputing the softmax.
 */
const attentionWeightsOp: OpSpec<{ readonly scale: number; readonly weights: Tensor }> = {
  name: "scaledDotProductAttentionWeights",
  broadcast: true,
  forward: (_, { weights }) => weights.alias(),
  backward: (g, { inputs: [q, k, mask], output: p, attrs: { scale } }) =>
    throughScores(g, p, q!, k!, mask, scale, false),
};

/** Which of q, k, v and the mask need a gradient. */
export interface Wanted {
  readonly q: boolean;
  readonly k: boolean;
  readonly v: boolean;
  readonly mask: boolean;
}

const wantedOf = (q: Tensor, k: Tensor, v: Tensor | undefined, mask: Tensor | undefined) => ({
  q: q.requiresGrad,
  k: k.requiresGrad,
  v: v?.requiresGrad === true,
  mask: mask?.requiresGrad === true,
});

/**
 * The gradients of q, k and the mask from that of the weights P = softmax(S), with
 * S = scale·q·kᵀ + mask. `owned`: dWeights is the caller's own new array, which nothing else
 * holds.
 */
function throughScores(
  dWeights: Tensor,
  p: Tensor,
  q: Tensor,
  k: Tensor,
  mask: Tensor | undefined,
  scale: number,
  owned: boolean,
  wanted: Wanted = wantedOf(q, k, undefined, mask),
): (Tensor | null)[] {
  // softmax's VJP along the keys: dS = P ⊙ (dP − Σ_j dP_j P_j). dP has the output's batch
  // shape, which v's batch dimensions may extend beyond P's.
  const weights = broadcastTo(p, dWeights.shape);
  const dScores =
    owned && !isGradEnabled() && dWeights.device === "cpu" && dWeights.size > 0
      ? softmaxBackwardInPlace(weights, dWeights)
      : softmaxBackward(weights, dWeights, dWeights.rank - 1, false);
  // dq = scale·dS·k
  const dq = wanted.q ? matmul(dScores, k, { scale }) : null;
  // dk = scale·dSᵀ·q
  const dk = wanted.k ? matmul(dScores, q, { transA: true, scale }) : null;
  // dmask = dS
  return mask ? [dq, dk, wanted.mask ? dScores : null] : [dq, dk];
}

/**
 * The shape of t as attention reads it, [...batch, rows, cols]: its own, or with the heads
 * moved ahead of the sequence when `sequenceFirst` ([..., rows, H, cols] → [..., H, rows, cols]).
 */
function headsFirstShape(t: Tensor, sequenceFirst: boolean): number[] {
  if (!sequenceFirst) return [...t.shape];
  const [rows, heads, cols] = t.shape.slice(-3) as [number, number, number];
  return [...t.shape.slice(0, -3), heads, rows, cols];
}

/** The sizes of attention over q, k and v, their batch dimensions broadcast. */
function attentionSizes(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  { scale, causal, sequenceFirst }: Pick<AttentionAttrs, "scale" | "causal" | "sequenceFirst">,
) {
  const [qs, ks, vs] = [q, k, v].map((t) => headsFirstShape(t, sequenceFirst)) as [
    number[],
    number[],
    number[],
  ];
  const batchShape = broadcastShapes(
    OP,
    broadcastShapes(OP, qs.slice(0, -2), ks.slice(0, -2)),
    vs.slice(0, -2),
  );
  const args = {
    batchShape,
    l: qs[qs.length - 2]!,
    s: ks[ks.length - 2]!,
    e: qs[qs.length - 1]!,
    ev: vs[vs.length - 1]!,
    scale,
    causal,
    sequenceFirst,
  };
  return { batchShape, args };
}

/**
 * The shape of an operand of `rows` × `cols` per product over `batchShape`, in the layout
 * `sequenceFirst` says.
 */
function operandShape(
  batchShape: readonly number[],
  rows: number,
  cols: number,
  sequenceFirst: boolean,
): number[] {
  if (!sequenceFirst) return [...batchShape, rows, cols];
  return [...batchShape.slice(0, -1), rows, batchShape[batchShape.length - 1]!, cols];
}

/** t's storage with every batch dimension (its own when it has them all), `shape` given. */
function withBatch(t: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
}

/**
 * The mask as a view over [...batch, L, S] with whole [L, S] rows (broadcast within them
 * where it was; its own batch dimensions are read with stride 0 where they repeat).
 */
export function maskView(
  mask: Tensor,
  batchShape: readonly number[],
  l: number,
  s: number,
): StridedView<Storage> {
  const own = mask.rank > 2 ? mask.shape.slice(0, -2) : [];
  const whole = mask.rank >= 2 && shapesEqual(mask.shape.slice(-2), [l, s]);
  return broadcastView(whole ? mask : broadcastTo(mask, [...own, l, s]), [...batchShape, l, s]);
}

/** The forward through `Backend.attention`: the output and the weights, in new arrays. */
function attentionKernel(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | undefined,
  attrs: AttentionAttrs,
): { output: Tensor; weights: Tensor } {
  const { batchShape, args } = attentionSizes(q, k, v, attrs);
  const { l, s, e, ev, sequenceFirst } = args;
  const shape = (rows: number, cols: number) => operandShape(batchShape, rows, cols, sequenceFirst);
  const output = empty(shape(l, ev), q.dtype);
  const weights = empty([...batchShape, l, s], q.dtype);
  getBackend().attention(
    withBatch(q, shape(l, e)).storage,
    withBatch(k, shape(s, e)).storage,
    withBatch(v, shape(s, ev)).storage,
    mask ? maskView(mask, batchShape, l, s) : null,
    output.storage,
    weights.storage,
    args,
  );
  return { output, weights };
}

/**
 * The gradients of q, k and v through `Backend.attentionBackward`, of the broadcast batch
 * shape (the engine sums them back to each input's), null where not required.
 */
function attentionBackwardKernel(
  g: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  weights: Tensor,
  attrs: AttentionAttrs,
): (Tensor | null)[] {
  const { batchShape, args } = attentionSizes(q, k, v, attrs);
  const { l, s, e, ev, sequenceFirst } = args;
  const shape = (rows: number, cols: number) => operandShape(batchShape, rows, cols, sequenceFirst);
  // Outside an op's forward: the kernel and the gradients go to q's device explicitly.
  return onDevice(q.device, () => {
    const dq = q.requiresGrad ? empty(shape(l, e), q.dtype) : null;
    const dk = k.requiresGrad ? empty(shape(s, e), q.dtype) : null;
    const dv = v.requiresGrad ? empty(shape(s, ev), q.dtype) : null;
    getBackend().attentionBackward(
      withBatch(q, shape(l, e)).storage,
      withBatch(k, shape(s, e)).storage,
      withBatch(v, shape(s, ev)).storage,
      weights.storage,
      withBatch(g, shape(l, ev)).storage,
      dq?.storage ?? null,
      dk?.storage ?? null,
      dv?.storage ?? null,
      args,
    );
    return [dq, dk, dv];
  });
}

const attentionOp: OpSpec<AttentionAttrs, AttentionSaved> = {
  name: OP,
  // Batch dimensions broadcast, and the mask broadcasts to [..., L, S].
  broadcast: true,
  forward: ([q, k, v, mask], attrs) => {
    const { scale, causal, dropoutP, generator } = attrs;
    if (dropoutP === 0 && q!.size > 0 && k!.size > 0 && v!.size > 0) {
      const { output, weights } = attentionKernel(q!, k!, v!, mask, attrs);
      // Only the rule reads the weights: their memory is reused once it has run.
      return { output, saved: { weights, dropMask: null }, scratch: [weights] };
    }
    let scores = matmul(q!, k!, { transB: true, scale });
    if (mask) scores = addOwned(scores, mask);
    const weights = safeSoftmax(scores, causal);
    const dropMask =
      dropoutP > 0 ? dropoutMask(weights.shape, dropoutP, generator, q!.dtype, q!.device) : null;
    const output = matmul(dropMask ? mul(weights, dropMask) : weights, v!);
    return {
      output,
      saved: { weights, dropMask },
      scratch: dropMask ? [weights, dropMask] : [weights],
    };
  },
  backward: (g, { inputs: [q, k, v, mask], attrs, saved: { weights, dropMask } }) => {
    // Without dropout, second derivatives or a mask's gradient: the backend's kernel, which
    // keeps dP and dS inside it.
    if (!dropMask && !isGradEnabled() && mask?.requiresGrad !== true && weights.size > 0) {
      const grads = attentionBackwardKernel(g, q!, k!, v!, weights, attrs);
      return mask ? [...grads, null] : grads;
    }
    // Read off the inputs: unrecorded, the swaps below need no gradient themselves.
    const wanted = wantedOf(q!, k!, v!, mask);
    if (attrs.sequenceFirst) {
      // The rule below, written with ops, on the heads-first layout (the swaps are recorded
      // too when this pass is), and its gradients swapped back.
      const swap = (t: Tensor | null) => t && swapAxes(t, -3, -2);
      const [hq, hk, hv, hg] = [q!, k!, v!, g].map(swap) as [Tensor, Tensor, Tensor, Tensor];
      const grads = backwardWithOps(hg, hq, hk, hv, mask, weights, dropMask, attrs.scale, wanted);
      return grads.map((grad, i) => (i < 3 ? swap(grad) : grad));
    }
    return backwardWithOps(g, q!, k!, v!, mask, weights, dropMask, attrs.scale, wanted);
  },
};

/**
 * The attention's vector-Jacobian product written with ops (heads first), so that it
 * differentiates again: for dropout, second derivatives and a mask's gradient.
 */
export function backwardWithOps(
  g: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | undefined,
  weights: Tensor,
  dropMask: Tensor | null,
  scale: number,
  wanted: Wanted,
): (Tensor | null)[] {
  const needScores = wanted.q || wanted.k || wanted.mask;
  // P as an op of q, k and the mask (its saved value), so the rules below differentiate again.
  const p = needScores
    ? applyOp(attentionWeightsOp, mask ? [q, k, mask] : [q, k], { scale, weights })
    : weights;
  const dropped = dropMask ? mul(p, dropMask) : p;
  // out = P_d·v: dv = P_dᵀ·g
  const dv = wanted.v ? matmul(dropped, g, { transA: true }) : null;
  if (!needScores) return mask ? [null, null, dv, null] : [null, null, dv];
  // dP = (g·vᵀ) ⊙ M
  const dDropped = matmul(g, v, { transB: true });
  const [dq, dk, dmask] = throughScores(
    dropMask ? mul(dDropped, dropMask) : dDropped,
    p,
    q,
    k,
    mask,
    scale,
    true,
    wanted,
  );
  return mask ? [dq, dk, dv, dmask] : [dq, dk, dv];
}

/**
 * The causal mask of [L, S] as additive scores: 0 where key ≤ query, −∞ above the diagonal.
 * Written on the host and placed once (a few ops on [L, S] cost more than the loop).
 */
export function causalScores(
  l: number,
  s: number,
  dtype: Tensor["dtype"],
  device: DeviceName,
): Tensor {
  const scores = allocate(dtype, l * s);
  for (let i = 0; i < l; i++) scores.fill(Number.NEGATIVE_INFINITY, i * s + i + 1, (i + 1) * s);
  return to(new Tensor(scores, [l, s], dtype), device);
}

/**
 * Checks q, k and v (sequence first or not) and returns their broadcast batch shape, heads
 * last when sequence first. Errors name the shapes as given.
 */
function checkInputs(q: Tensor, k: Tensor, v: Tensor, sequenceFirst: boolean): readonly number[] {
  const layout = sequenceFirst
    ? "[..., L, H, E], [..., S, H, E], [..., S, H, Ev] (sequenceFirst)"
    : "[..., L, E], [..., S, E], [..., S, Ev]";
  for (const [name, t] of [
    ["q", q],
    ["k", k],
    ["v", v],
  ] as const) {
    if (!(t instanceof Tensor)) {
      throw new ValueError(OP, `${name} must be a Tensor; got ${typeof t}`);
    }
    requireFloat(OP, t);
    if (t.rank < (sequenceFirst ? 3 : 2)) {
      throw new ShapeError(
        OP,
        `${name} must have at least ${sequenceFirst ? "three" : "two"} dimensions (${layout})`,
        { q: q.shape, k: k.shape, v: v.shape },
      );
    }
  }
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) {
    throw new DTypeError(OP, "q, k and v must share a dtype", {
      q: q.dtype,
      k: k.dtype,
      v: v.dtype,
    });
  }
  if (sequenceFirst) {
    const heads = q.shape[q.rank - 2]!;
    if (k.shape[k.rank - 2] !== heads || v.shape[v.rank - 2] !== heads) {
      throw new ShapeError(
        OP,
        "q, k and v must have the same number of heads H (second-to-last dimension with sequenceFirst)",
        { q: q.shape, k: k.shape, v: v.shape },
      );
    }
  }
  const [qs, ks, vs] = [q, k, v].map((t) => headsFirstShape(t, sequenceFirst)) as [
    number[],
    number[],
    number[],
  ];
  const e = qs[qs.length - 1]!;
  if (ks[ks.length - 1] !== e) {
    throw new ShapeError(
      OP,
      "q and k must have the same embedding size E (last dimension)",
      { q: q.shape, k: k.shape },
      `${e} ≠ ${ks[ks.length - 1]}`,
    );
  }
  const s = ks[ks.length - 2]!;
  if (vs[vs.length - 2] !== s) {
    throw new ShapeError(
      OP,
      `k and v must have the same number of keys S (${sequenceFirst ? "third" : "second"}-to-last dimension)`,
      { k: k.shape, v: v.shape },
      `${s} ≠ ${vs[vs.length - 2]}`,
    );
  }
  const batch = broadcastShapes(OP, qs.slice(0, -2), ks.slice(0, -2));
  return broadcastShapes(OP, batch, vs.slice(0, -2));
}

/**
 * The mask as additive scores of the inputs' dtype, checked against [...batch, L, S]; errors
 * name `op` and the `inputs` (by name) beside the mask.
 */
export function maskScores(
  mask: Tensor,
  inputs: Readonly<Record<string, Tensor>>,
  batch: readonly number[],
  [l, s]: readonly [number, number],
  op = OP,
): Tensor {
  if (!(mask instanceof Tensor)) {
    throw new ValueError(op, `attnMask must be a Tensor; got ${typeof mask}`);
  }
  const shapes = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, t.shape]));
  if (!broadcastsTo(mask.shape, [...batch, l, s])) {
    throw new ShapeError(
      op,
      `attnMask must broadcast to the attention weights [..., L, S] = ${formatShape([...batch, l, s])}`,
      { ...shapes, attnMask: mask.shape },
    );
  }
  const dtype = Object.values(inputs)[0]!.dtype;
  if (mask.dtype === "bool") {
    // true takes part (adds 0); false is excluded (adds −∞), as PyTorch converts it.
    return where(mask, Tensor.scalar(0, dtype), Tensor.scalar(-Infinity, dtype));
  }
  if (mask.dtype !== dtype) {
    const [name] = Object.keys(inputs);
    throw new DTypeError(
      op,
      "attnMask must be bool or of the inputs' float dtype",
      { [name!]: dtype, attnMask: mask.dtype },
      mask.dtype === "int32" ? `use a comparison such as mask.ne(0) for a bool mask` : undefined,
    );
  }
  return mask;
}

/**
 * The mask, causal flag, dropout probability and scale of attention's `options`, checked
 * (errors name `op`); the scale defaults to 1/√E.
 */
export function attentionOptions(
  op: string,
  options: Omit<ScaledDotProductAttentionOptions, "sequenceFirst">,
  e: number,
): { isCausal: boolean; attnMask: Tensor | null; dropoutP: number; scale: number } {
  const isCausal = options.isCausal ?? false;
  if (typeof isCausal !== "boolean") {
    throw new ValueError(op, `isCausal must be a boolean; got ${String(isCausal)}`);
  }
  const attnMask = options.attnMask ?? null;
  if (isCausal && attnMask !== null) {
    throw new ValueError(
      op,
      "attnMask cannot be given with isCausal: true",
      "pass one of them; for a causal mask combined with another, combine the masks yourself",
    );
  }
  const dropoutP = options.dropoutP ?? 0;
  if (typeof dropoutP !== "number" || !(dropoutP >= 0 && dropoutP <= 1)) {
    throw new ValueError(op, `dropoutP must be a probability in [0, 1]; got ${String(dropoutP)}`);
  }
  const scale = options.scale ?? 1 / Math.sqrt(e);
  if (typeof scale !== "number" || Number.isNaN(scale)) {
    throw new ValueError(op, `scale must be a number; got ${String(scale)}`);
  }
  return { isCausal, attnMask, dropoutP, scale };
}

/**
 * Attention as PyTorch's `F.scaled_dot_product_attention`: softmax(scale·q·kᵀ + mask)·v, with
 * dropout on the weights when `dropoutP` > 0. One op with its own backward rule, which keeps
 * only the attention weights (and the dropout mask) from the forward instead of the scores,
 * softmax and product a composition of ops would record. Without dropout the forward and the
 * backward are each one backend kernel (`Backend.attention`, `attentionBackward`; the
 * WebAssembly backend keeps each product's scores in its own memory and splits the products
 * over its threads); with dropout, and when the backward is itself recorded, the rule is
 * written with ops, so it differentiates again. A query whose keys are all masked out gets
 * weights 0 and output 0, and no gradient, as PyTorch's math backend gives (its
 * `_safe_softmax`), not NaN.
 * Batch dimensions broadcast. With `sequenceFirst` the heads follow the sequence, as a
 * linear layer's output reshaped to heads has them, and no copy moves them ahead of it.
 * q: [..., L, E], k: [..., S, E], v: [..., S, Ev] → [..., L, Ev]; with `sequenceFirst`
 * q: [..., L, H, E], k: [..., S, H, E], v: [..., S, H, Ev] → [..., L, H, Ev]
 * @example
 * const q = randn([2, 4, 5, 8]); // batch 2, 4 heads, 5 queries of size 8
 * const kv = randn([2, 4, 7, 8]); // 7 keys
 * scaledDotProductAttention(q, kv, kv, { attnMask: ones([5, 7]).gt(0) }).shape; // [2, 4, 5, 8]
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  checkOptions(OP, options, [
    "attnMask",
    "isCausal",
    "dropoutP",
    "scale",
    "generator",
    "sequenceFirst",
  ]);
  const sequenceFirst = options.sequenceFirst ?? false;
  if (typeof sequenceFirst !== "boolean") {
    throw new ValueError(OP, `sequenceFirst must be a boolean; got ${String(sequenceFirst)}`);
  }
  const batch = checkInputs(q, k, v, sequenceFirst);
  const { isCausal, attnMask, dropoutP, scale } = attentionOptions(OP, options, q.shape.at(-1)!);
  if (sequenceFirst && (dropoutP > 0 || q.size === 0 || k.size === 0 || v.size === 0)) {
    // Dropout's rule is written with ops on the heads-first layout: swap the axes around it.
    const swap = (t: Tensor) => swapAxes(t, -3, -2);
    const headsFirst = { ...options, sequenceFirst: false };
    return swap(scaledDotProductAttention(swap(q), swap(k), swap(v), headsFirst));
  }
  const sequenceAxis = sequenceFirst ? 3 : 2;
  const l = q.shape[q.rank - sequenceAxis]!;
  const s = k.shape[k.rank - sequenceAxis]!;
  const mask = isCausal
    ? causalScores(l, s, q.dtype, q.device)
    : attnMask !== null
      ? maskScores(attnMask, { q, k }, batch, [l, s])
      : null;
  const inputs = mask ? [q, k, v, mask] : [q, k, v];
  return applyOp(attentionOp, inputs, {
    scale,
    causal: isCausal,
    dropoutP,
    generator: options.generator,
    sequenceFirst,
  });
}
