import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { postOrder } from "./traverse.js";

/** One tensor of a recorded graph, as `graphOf` lists it. */
export interface GraphEntry {
  /** The tensor's id (unique per process). */
  readonly id: number;
  /** The op that made it, or null for a leaf. */
  readonly op: string | null;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The tensor's dtype. */
  readonly dtype: string;
  /** Whether gradients flow to the tensor. */
  readonly requiresGrad: boolean;
  /** Ids of the op's inputs, in order. */
  readonly inputs: readonly number[];
  /** Whether the backward pass already released this op's saved tensors. */
  readonly released: boolean;
}

/**
 * Lists the graph that `backward()` on `root` would differentiate, inputs before the ops
 * that use them. Leaves that do not require grad are listed too, as constants.
 */
export function graphOf(root: Tensor): GraphEntry[] {
  return postOrder(root, () => true).order.map((tensor) => ({
    id: tensor.id,
    op: tensor.node?.op ?? null,
    shape: tensor.shape,
    dtype: tensor.dtype,
    requiresGrad: tensor.requiresGrad,
    inputs: (tensor.node?.inputs ?? []).map((t) => t.id),
    released: tensor.node?.released ?? false,
  }));
}

/** The graph of `root` in Graphviz DOT: ops as boxes, leaves as ellipses (filled if trainable). */
export function toDot(root: Tensor): string {
  const lines = ["digraph tensortape {", "  rankdir=BT;", '  node [fontname="Helvetica"];'];
  for (const e of graphOf(root)) {
    const label = `${e.op ?? (e.requiresGrad ? "leaf" : "const")}\\n${formatShape(e.shape)} ${e.dtype}`;
    const style = e.op
      ? "shape=box"
      : e.requiresGrad
        ? 'shape=ellipse, style=filled, fillcolor="#dbe9f6"'
        : "shape=ellipse";
    lines.push(`  t${e.id} [label="${label}", ${style}];`);
    for (const input of e.inputs) lines.push(`  t${input} -> t${e.id};`);
  }
  lines.push("}");
  return lines.join("\n");
}
