import { eye } from "../../creation.js";
import { ShapeError, ValueError } from "../../errors.js";
import { formatShape } from "../../shape.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { broadcastTo } from "../broadcast-to.js";
import { asTensor } from "../kernels.js";
import { matmul } from "../matmul.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { sum } from "../sum.js";
import { transpose } from "../transpose.js";

/**
 * A tensor with a label per axis. Letters label named axes; the axes an ellipsis stands for
 * get labels "0", "1"…, counted from the last, so that they broadcast right-aligned.
 */
interface Labelled {
  readonly t: Tensor;
  readonly labels: readonly string[];
}

/** Splits one operand's subscripts into labels, expanding "..." to fit its rank. */
function parseSubscripts(
  equation: string,
  subscripts: string,
  rank: number,
  which: string,
): string[] {
  const parts = subscripts.split("...");
  if (parts.length > 2) {
    throw new ValueError("einsum", `${which} has more than one ellipsis in "${equation}"`);
  }
  for (const part of parts) {
    for (const c of part) {
      if (!/[a-zA-Z]/.test(c)) {
        throw new ValueError(
          "einsum",
          `invalid subscript "${c}" in "${equation}"`,
          "subscripts are letters a-z and A-Z, with at most one ... per operand",
        );
      }
    }
  }
  const named = parts.join("").length;
  if (parts.length === 1) {
    if (named !== rank) {
      throw new ValueError(
        "einsum",
        `${which} has ${named} subscripts in "${equation}" but the tensor has rank ${rank}`,
      );
    }
    return [...parts[0]!];
  }
  const ellipsisRank = rank - named;
  if (ellipsisRank < 0) {
    throw new ValueError(
      "einsum",
      `${which} has ${named} subscripts besides its ellipsis in "${equation}" but the tensor has rank ${rank}`,
    );
  }
  const ellipsis = Array.from({ length: ellipsisRank }, (_, i) => String(ellipsisRank - 1 - i));
  return [...parts[0]!, ...ellipsis, ...parts[1]!];
}

/** Takes the diagonal over every label repeated within one operand ("ii" → "i"). */
function takeDiagonals(op: Labelled): Labelled {
  let { t, labels } = op;
  for (;;) {
    const first = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (first < 0) return { t, labels };
    const label = labels[first]!;
    const i = labels.indexOf(label);
    const j = first;
    const n = t.shape[i]!;
    if (t.shape[j] !== n) {
      throw new ShapeError(
        "einsum",
        `subscript "${label}" is repeated over axes of different sizes`,
        { operand: t.shape },
        `axes ${i} and ${j}: ${n} ≠ ${t.shape[j]}`,
      );
    }
    // x[..i..j..] · 1{i = j}, summed over j: the diagonal, differentiable as products and sums.
    const mask = reshape(
      eye(n, n, { dtype: t.dtype, device: t.device }),
      t.shape.map((_, axis) => (axis === i || axis === j ? n : 1)),
    );
    t = sum(mul(t, mask), j);
    labels = labels.filter((_, axis) => axis !== j);
  }
}

/** Sums away labels that appear nowhere else. */
function sumUnique(op: Labelled, keep: ReadonlySet<string>): Labelled {
  const axes = op.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (axes.length === 0) return op;
  return { t: sum(op.t, axes), labels: op.labels.filter((l) => keep.has(l)) };
}

/** Permutes `op` to `order` (a permutation of its labels). */
function permuteTo(op: Labelled, order: readonly string[]): Tensor {
  const axes = order.map((l) => op.labels.indexOf(l));
  return axes.every((a, i) => a === i) ? op.t : transpose(op.t, axes);
}

/** The product of the sizes of `labels`. */
function sizeOfLabels(sizes: ReadonlyMap<string, number>, labels: readonly string[]): number {
  return labels.reduce((n, l) => n * sizes.get(l)!, 1);
}

/** Contracts two operands over `contracted`, batching over labels both keep: one matmul. */
function contract(a: Labelled, b: Labelled, keep: ReadonlySet<string>): Labelled {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const contracted = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !inA.has(l));
  // Sizes after broadcasting size-1 axes against each other.
  const sizes = new Map<string, number>();
  for (const op of [a, b]) {
    op.labels.forEach((l, i) => {
      const n = op.t.shape[i]!;
      const seen = sizes.get(l);
      if (seen === undefined || seen === 1) sizes.set(l, n);
      else if (n !== 1 && n !== seen) {
        throw new ShapeError(
          "einsum",
          `subscript "${/^\d+$/.test(l) ? "..." : l}" has sizes that do not broadcast`,
          { a: a.t.shape, b: b.t.shape },
          `${seen} ≠ ${n}`,
        );
      }
    });
  }
  const expand = (op: Labelled, order: readonly string[]): Tensor => {
    const t = permuteTo(op, order);
    const full = order.map((l) => sizes.get(l)!);
    return t.shape.every((n, i) => n === full[i]) ? t : broadcastTo(t, full);
  };
  const batchSize = sizeOfLabels(sizes, batch);
  const m = sizeOfLabels(sizes, aOnly);
  const k = sizeOfLabels(sizes, contracted);
  const n = sizeOfLabels(sizes, bOnly);
  const left = reshape(expand(a, [...batch, ...aOnly, ...contracted]), [batchSize, m, k]);
  const right = reshape(expand(b, [...batch, ...contracted, ...bOnly]), [batchSize, k, n]);
  const labels = [...batch, ...aOnly, ...bOnly];
  const product = reshape(
    matmul(left, right),
    labels.map((l) => sizes.get(l)!),
  );
  return { t: product, labels };
}

/**
 * Einstein summation, as `torch.einsum`: `"ij,jk->ik"` is a matrix product, `"ii->i"` a
 * diagonal, `"ii"` a trace, `"b...ij,b...jk->b...ik"` a batched product. Without `->` the
 * output holds the labels that appear once, in alphabetical order (after the ellipsis axes).
 * Size-1 axes broadcast. Every contraction is one batched matmul (operands are contracted
 * left to right), so gradients come from matmul's rule.
 * "ij,jk->ik": a [M, K], b [K, N] → [M, N]
 * @example einsum("i,i->", tensor([1, 2]), tensor([3, 4])) // tensor(11.)
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  if (typeof equation !== "string") {
    throw new ValueError("einsum", `the equation must be a string; got ${typeof equation}`);
  }
  if (operands.length === 0) throw new ValueError("einsum", "needs at least one operand");
  const tensors = operands.map((o) => asTensor(o));
  const compact = equation.replace(/\s+/g, "");
  const arrow = compact.split("->");
  if (arrow.length > 2) {
    throw new ValueError("einsum", `more than one "->" in "${equation}"`);
  }
  const inputs = arrow[0]!.split(",");
  if (inputs.length !== tensors.length) {
    throw new ValueError(
      "einsum",
      `"${equation}" has ${inputs.length} operand${inputs.length === 1 ? "" : "s"} but ${tensors.length} tensor${tensors.length === 1 ? " was" : "s were"} given`,
    );
  }
  let ops: Labelled[] = tensors.map((t, i) => ({
    t,
    labels: parseSubscripts(equation, inputs[i]!, t.rank, `operand ${i} ${formatShape(t.shape)}`),
  }));
  const ellipsisRank = Math.max(
    0,
    ...ops.map((op) => op.labels.filter((l) => /^\d+$/.test(l)).length),
  );
  const ellipsisLabels = Array.from({ length: ellipsisRank }, (_, i) =>
    String(ellipsisRank - 1 - i),
  );
  let output: string[];
  if (arrow.length === 2) {
    const hasEllipsis = arrow[1]!.includes("...");
    output = parseSubscripts(
      equation,
      arrow[1]!,
      arrow[1]!.replace("...", "").length + (hasEllipsis ? ellipsisRank : 0),
      "the output",
    );
    const all = new Set(ops.flatMap((op) => op.labels));
    for (const l of output) {
      if (!all.has(l)) {
        throw new ValueError(
          "einsum",
          `output subscript "${l}" appears in no operand of "${equation}"`,
        );
      }
      if (output.indexOf(l) !== output.lastIndexOf(l)) {
        throw new ValueError("einsum", `output subscript "${l}" appears twice in "${equation}"`);
      }
    }
  } else {
    const counts = new Map<string, number>();
    for (const op of ops)
      for (const l of op.labels) if (!/^\d+$/.test(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [
      ...ellipsisLabels,
      ...[...counts]
        .filter(([, c]) => c === 1)
        .map(([l]) => l)
        .sort(),
    ];
  }
  ops = ops.map(takeDiagonals);
  // Contract left to right; a label stays while the output or a later operand needs it.
  const keepAfter = (index: number): Set<string> => {
    const keep = new Set(output);
    for (let j = index + 1; j < ops.length; j++) for (const l of ops[j]!.labels) keep.add(l);
    return keep;
  };
  let acc = sumUnique(ops[0]!, new Set([...keepAfter(0)]));
  for (let i = 1; i < ops.length; i++) {
    const keep = keepAfter(i);
    const next = sumUnique(ops[i]!, new Set([...keep, ...acc.labels]));
    acc = contract(sumUnique(acc, new Set([...keep, ...next.labels])), next, keep);
  }
  acc = sumUnique(acc, new Set(output));
  return permuteTo(acc, output);
}
