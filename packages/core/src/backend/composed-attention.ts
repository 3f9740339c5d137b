/**
 * `Backend.attention` and `attentionBackward` as the composition of a backend's own matmul,
 * binary, softmax and softmaxBackward kernels that defines them: how the reference backend and
 * the WebGPU backend compute them, and what the WebAssembly backend's fused kernel is tested
 * against bit for bit.
 */
import type { TypedArray } from "../dtype.js";
import { formatShape, sizeOf, stridesOf } from "../shape.js";
import type { AttentionArgs, Backend, MatmulArgs, StridedView } from "./backend.js";
import { forEachRow } from "./reference/strided.js";
import type { Scratch } from "./windowed-matmul.js";

/**
 * Throws unless the arrays hold what `args` says (an op built the call wrongly: a silent
 * mismatch would read past an array).
 */
export function checkAttention(
  args: AttentionArgs,
  arrays: Readonly<Record<string, { readonly length: number } | null>>,
  mask?: StridedView<{ readonly length: number }> | null,
): void {
  const { batchShape, l, s, e, ev } = args;
  const batch = sizeOf(batchShape);
  const needed: Record<string, number> = {
    q: batch * l * e,
    k: batch * s * e,
    v: batch * s * ev,
    out: batch * l * ev,
    g: batch * l * ev,
    weights: batch * l * s,
    dq: batch * l * e,
    dk: batch * s * e,
    dv: batch * s * ev,
  };
  const sizes = `batch ${formatShape(batchShape)}, L=${l}, S=${s}, E=${e}, Ev=${ev}`;
  if (args.packed) {
    if (!args.sequenceFirst || l !== s || e !== ev) {
      throw new Error(
        `attention: packed q, k and v need sequenceFirst, L = S and E = Ev; got ${sizes}`,
      );
    }
    // Each of q, k and v (dq, dk and dv) is the whole packed array.
    for (const name of ["q", "k", "v", "dq", "dk", "dv"]) needed[name] = 3 * needed[name]!;
  }
  for (const [name, array] of Object.entries(arrays)) {
    if (array && array.length !== needed[name]) {
      throw new Error(
        `attention: ${name} holds ${array.length} elements, not the ${needed[name]} of ${sizes}`,
      );
    }
  }
  if (typeof args.scale !== "number") {
    throw new Error(`attention: scale must be a number; got ${String(args.scale)}`);
  }
  if (args.sequenceFirst && batchShape.length === 0) {
    throw new Error(
      `attention: sequenceFirst needs the heads as the batch shape's last dimension; got ${sizes}`,
    );
  }
  if (!mask) return;
  const { strides, offset, data } = mask;
  const rank = batchShape.length + 2;
  if (strides.length !== rank || strides[rank - 2] !== s || strides[rank - 1] !== 1) {
    throw new Error(
      `attention: the mask must be a view over [...batch, L, S] with rows of S=${s} contiguous; got strides [${strides.join(", ")}] for ${sizes}`,
    );
  }
  // The last element the view reaches (batch strides are never negative).
  let last = offset + l * s - 1;
  for (let d = 0; d < batchShape.length; d++) last += (batchShape[d]! - 1) * strides[d]!;
  if (offset < 0 || strides.some((x) => x < 0) || (batch > 0 && last >= data.length)) {
    throw new Error(
      `attention: the mask view reaches element ${last}, past the mask's ${data.length} elements`,
    );
  }
}

/** Where each product's [L, S] block starts in a mask view over [...batchShape, L, S]. */
export function maskOffsets(mask: StridedView<unknown>, batchShape: readonly number[]): number[] {
  const offsets: number[] = [];
  // One "row" of length 1 per product: forEachRow walks the batch positions.
  const strides = [...mask.strides.slice(0, batchShape.length), 0];
  forEachRow([...batchShape, 1], [strides], [mask.offset], ([at]) => offsets.push(at!));
  return offsets;
}

/** The products of one attention step: product p's operands at p times their sizes. */
function products(
  batch: number,
  aSize: number,
  bSize: number,
  shape: Omit<MatmulArgs, "aOffsets" | "bOffsets">,
): MatmulArgs {
  const aOffsets: number[] = [];
  const bOffsets: number[] = [];
  for (let p = 0; p < batch; p++) {
    aOffsets.push(p * aSize);
    bOffsets.push(p * bSize);
  }
  return { aOffsets, bOffsets, ...shape };
}

/** A backend's kernels the compositions below call. */
export type AttentionKernels<S> = Pick<
  Backend<S>,
  "matmul" | "binary" | "softmaxBackward" | "copy"
>;

/**
 * Views of an operand of `rows` × `cols` per product: sequence first ([...batch, rows, H,
 * cols], batchShape = [...batch, H]; or, for part `part` of a packed array, [...batch, rows,
 * 3, H, cols]) and heads first ([...batchShape, rows, cols]), over the shape
 * [...batchShape, rows, cols].
 */
function layouts<S>(
  sequenceFirst: S,
  headsFirst: S,
  batchShape: readonly number[],
  rows: number,
  cols: number,
  part: number | undefined,
) {
  const heads = batchShape[batchShape.length - 1]!;
  const outer = batchShape.slice(0, -1);
  const shape = [...batchShape, rows, cols];
  const parts = part === undefined ? 1 : 3;
  const outerStrides = stridesOf([...outer, rows, parts * heads, cols]).slice(0, outer.length);
  const offset = part === undefined ? 0 : part * heads * cols;
  const strides = [...outerStrides, cols, parts * heads * cols, 1];
  return {
    shape,
    sequence: { data: sequenceFirst, offset, strides },
    heads: { data: headsFirst, offset: 0, strides: stridesOf(shape) },
  };
}

/**
 * An operand for `headsFirst`: its array, rows and columns per product, and which part of a
 * packed array it is (undefined when it is the whole array).
 */
type Operand<S> = readonly [S, number, number, number?];

/**
 * Runs `compute` on heads-first copies of the sequence-first `inputs` (q, k, v, g: rows per
 * product each) and copies its sequence-first `outputs` back from heads-first scratch: what
 * `AttentionArgs.sequenceFirst` (and `packed`) mean, for a backend that composes the
 * heads-first kernels.
 */
function headsFirst<S extends { readonly length: number }>(
  kernels: AttentionKernels<S>,
  scratch: Scratch<S>,
  args: AttentionArgs,
  inputs: readonly Operand<S>[],
  outputs: readonly Operand<S | null>[],
  compute: (inputs: S[], outputs: (S | null)[], args: AttentionArgs) => void,
): void {
  const { batchShape } = args;
  const batch = sizeOf(batchShape);
  const copied = inputs.map(([x, rows, cols, part]) => {
    const view = layouts(x, scratch.allocate(x, batch * rows * cols), batchShape, rows, cols, part);
    kernels.copy(view.sequence, view.heads, view.shape);
    return view.heads.data;
  });
  const results = outputs.map(([y, rows, cols]) =>
    y ? scratch.allocate(y, batch * rows * cols) : null,
  );
  compute(copied, results, { ...args, sequenceFirst: false, packed: false });
  outputs.forEach(([y, rows, cols, part], i) => {
    if (!y) return;
    const view = layouts(y, results[i]!, batchShape, rows, cols, part);
    kernels.copy(view.heads, view.sequence, view.shape);
    scratch.release(results[i]!);
  });
  for (const x of copied) scratch.release(x);
}

/** Which part of a packed array each of q, k and v (or dq, dk and dv) is; none when not packed. */
const partsOf = (args: AttentionArgs) =>
  args.packed ? [0, 1, 2] : [undefined, undefined, undefined];

/**
 * weights = the softmax of each row of `scores` ([rows, cols]), or zeros in a row whose
 * maximum is −∞: a query with no key to attend to gets nothing rather than NaN.
 */
export type SafeSoftmax<S> = (scores: S, weights: S, rows: number, cols: number) => void;

/** `SafeSoftmax` over typed arrays, through `kernels`' softmax. */
export function safeSoftmaxOnCpu(kernels: Pick<Backend, "softmax">): SafeSoftmax<TypedArray> {
  return (scores, weights, rows, cols) => {
    kernels.softmax(scores, rows, cols, weights, false);
    if (cols === 0) return;
    for (let r = 0; r < rows; r++) {
      let empty = true;
      // Empty when every score is −∞ (a NaN makes the maximum NaN, and the NaNs stay).
      for (let j = r * cols; j < (r + 1) * cols && empty; j++) empty = scores[j] === -Infinity;
      if (empty) weights.fill(0 as never, r * cols, (r + 1) * cols);
    }
  };
}

/** `Backend.attention` through `kernels`' own matmul and binary and `safeSoftmax`. */
export function composedAttention<S extends { readonly length: number }>(
  kernels: AttentionKernels<S>,
  scratch: Scratch<S>,
  safeSoftmax: SafeSoftmax<S>,
  [q, k, v]: readonly [S, S, S],
  mask: StridedView<S> | null,
  out: S,
  weights: S,
  args: AttentionArgs,
): void {
  const { batchShape, l, s, e, ev, scale } = args;
  const batch = sizeOf(batchShape);
  checkAttention(args, { q, k, v, out, weights }, mask);
  if (args.sequenceFirst) {
    const [qPart, kPart, vPart] = partsOf(args);
    const inputs = [
      [q, l, e, qPart],
      [k, s, e, kPart],
      [v, s, ev, vPart],
    ] as const;
    headsFirst(kernels, scratch, args, inputs, [[out, l, ev]], ([hq, hk, hv], [hout], heads) =>
      composedAttention(
        kernels,
        scratch,
        safeSoftmax,
        [hq!, hk!, hv!],
        mask,
        hout!,
        weights,
        heads,
      ),
    );
    return;
  }
  const scores = scratch.allocate(weights, batch * l * s);
  kernels.matmul(
    q,
    k,
    scores,
    products(batch, l * e, s * e, { m: l, k: e, n: s, transA: false, transB: true, scale }),
  );
  let masked = scores;
  if (mask) {
    masked = scratch.allocate(weights, batch * l * s);
    const shape = [...batchShape, l, s];
    kernels.binary(
      "add",
      { data: scores, offset: 0, strides: stridesOf(shape) },
      mask,
      masked,
      shape,
    );
  }
  safeSoftmax(masked, weights, batch * l, s);
  kernels.matmul(
    weights,
    v,
    out,
    products(batch, l * s, s * ev, { m: l, k: s, n: ev, transA: false, transB: false }),
  );
  if (masked !== scores) scratch.release(masked);
  scratch.release(scores);
}

/** `Backend.attentionBackward` through `kernels`' own matmul and softmaxBackward. */
export function composedAttentionBackward<S extends { readonly length: number }>(
  kernels: AttentionKernels<S>,
  scratch: Scratch<S>,
  [q, k, v]: readonly [S, S, S],
  weights: S,
  g: S,
  [dq, dk, dv]: readonly [S | null, S | null, S | null],
  args: AttentionArgs,
): void {
  const { batchShape, l, s, e, ev, scale } = args;
  const batch = sizeOf(batchShape);
  checkAttention(args, { q, k, v, weights, g, dq, dk, dv });
  if (args.sequenceFirst) {
    const [qPart, kPart, vPart] = partsOf(args);
    const inputs = [
      [q, l, e, qPart],
      [k, s, e, kPart],
      [v, s, ev, vPart],
      [g, l, ev],
    ] as const;
    const outputs = [
      [dq, l, e, qPart],
      [dk, s, e, kPart],
      [dv, s, ev, vPart],
    ] as const;
    headsFirst(kernels, scratch, args, inputs, outputs, ([hq, hk, hv, hg], grads, heads) => {
      const [hdq, hdk, hdv] = grads as [S | null, S | null, S | null];
      composedAttentionBackward(
        kernels,
        scratch,
        [hq!, hk!, hv!],
        weights,
        hg!,
        [hdq, hdk, hdv],
        heads,
      );
    });
    return;
  }
  if (dv) {
    const shape = { m: s, k: l, n: ev, transA: true, transB: false };
    kernels.matmul(weights, g, dv, products(batch, l * s, l * ev, shape));
  }
  if (!dq && !dk) return;
  const dWeights = scratch.allocate(weights, batch * l * s);
  const dScores = scratch.allocate(weights, batch * l * s);
  const gv = { m: l, k: ev, n: s, transA: false, transB: true };
  kernels.matmul(g, v, dWeights, products(batch, l * ev, s * ev, gv));
  kernels.softmaxBackward(weights, dWeights, batch * l, s, dScores, false);
  if (dq) {
    const shape = { m: l, k: s, n: e, transA: false, transB: false, scale };
    kernels.matmul(dScores, k, dq, products(batch, l * s, s * e, shape));
  }
  if (dk) {
    const shape = { m: s, k: l, n: e, transA: true, transB: false, scale };
    kernels.matmul(dScores, q, dk, products(batch, l * s, l * e, shape));
  }
  scratch.release(dScores);
  scratch.release(dWeights);
}
