// Records a parsed expression on the tape with tensortape's ops, and computes the gradient of
// the result with respect to every tensor in its graph.
import {
  add,
  div,
  exp,
  formatShape,
  gradients,
  graphOf,
  log,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  softmax,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
} from "@tensortape/core";
import { crossEntropy, mseLoss } from "@tensortape/nn";
import { type Expr, ParseError, type Value } from "./parser.js";

/** One tensor of the recorded graph, with its gradient. */
export interface GraphTensor {
  readonly tensor: Tensor;
  /** The op that made it, or null for a leaf or a constant. */
  readonly op: string | null;
  /** What the user wrote for it (a variable's name, a subexpression), or "". */
  readonly text: string;
  /** The ids of its op's inputs. */
  readonly inputs: readonly number[];
  /** ∂J/∂tensor, or null where no gradient flows (constants). */
  readonly grad: Tensor | null;
}

/** A recorded expression: J, and its graph in backward order (J first). */
export interface Recorded {
  readonly root: Tensor;
  readonly backwardOrder: readonly GraphTensor[];
  readonly byId: ReadonlyMap<number, GraphTensor>;
  /** The variables' leaves by name. */
  readonly leaves: ReadonlyMap<string, Tensor>;
}

/** Functions the expression may call, with how many arguments each takes. */
export const FUNCTIONS: Readonly<Record<string, number>> = {
  relu: 1,
  sigmoid: 1,
  tanh: 1,
  exp: 1,
  log: 1,
  sum: 1,
  mean: 1,
  softmax: 1,
  logSoftmax: 1,
  crossEntropy: 2,
  mse: 2,
};

const DTYPE = "float64";

/** Records `expr` with `values` for its variables; throws a ParseError for what is wrong. */
export function record(expr: Expr, values: ReadonlyMap<string, Value>): Recorded {
  const leaves = new Map<string, Tensor>();
  const texts = new Map<number, string>();
  const leaf = (name: string): Tensor => {
    let t = leaves.get(name);
    if (!t) {
      const value = values.get(name);
      if (value === undefined) throw new ParseError(`${name} has no value: add "${name} = …"`, 0);
      t = tensor(value, { dtype: DTYPE, requiresGrad: true });
      leaves.set(name, t);
      texts.set(t.id, name);
    }
    return t;
  };
  /** A class index given as a number or a variable holding one (crossEntropy's target). */
  const target = (e: Expr): Tensor => {
    const value = e.kind === "number" ? e.value : e.kind === "variable" ? values.get(e.name) : null;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new ParseError(`crossEntropy's second argument must be a class index, as in y = 1`, 0);
    }
    return tensor([value], { dtype: "int32" });
  };

  const visit = (e: Expr): Tensor => {
    const out = evaluate(e);
    if (!texts.has(out.id)) texts.set(out.id, e.text);
    return out;
  };
  const evaluate = (e: Expr): Tensor => {
    switch (e.kind) {
      case "number":
        return tensor(e.value, { dtype: DTYPE });
      case "variable":
        return leaf(e.name);
      case "negate":
        return neg(visit(e.operand));
      case "binary": {
        const [a, b] = [visit(e.left), visit(e.right)];
        const op = { "+": add, "-": sub, "*": mul, "/": div, "@": matmul, "^": pow }[e.op];
        return op(a, b);
      }
      case "call": {
        const arity = FUNCTIONS[e.name];
        if (arity === undefined) {
          throw new ParseError(
            `unknown function ${e.name}; the functions are ${Object.keys(FUNCTIONS).join(", ")}`,
            0,
          );
        }
        if (e.args.length !== arity) {
          throw new ParseError(`${e.name} takes ${arity} argument${arity > 1 ? "s" : ""}`, 0);
        }
        if (e.name === "crossEntropy") {
          // Logits of one example: [C] becomes a batch of one, [1, C].
          const logits = visit(e.args[0]!);
          const batch = logits.shape.length === 1 ? logits.reshape([1, logits.shape[0]!]) : logits;
          return crossEntropy(batch, target(e.args[1]!));
        }
        const args = e.args.map(visit);
        const unary = { relu, sigmoid, tanh, exp, log, softmax, logSoftmax } as const;
        if (e.name in unary) return unary[e.name as keyof typeof unary](args[0]!);
        if (e.name === "sum") return sum(args[0]!);
        if (e.name === "mean") return mean(args[0]!);
        return mseLoss(args[0]!, args[1]!);
      }
    }
  };

  let root: Tensor;
  try {
    root = visit(expr);
  } catch (error) {
    if (error instanceof ParseError) throw error;
    // A shape or dtype error from the library: its message names the op and the shapes.
    throw new ParseError(error instanceof Error ? error.message : String(error), 0);
  }
  if (root.size !== 1) {
    throw new ParseError(
      `J must be a scalar to differentiate; the expression gives ${formatShape(root.shape)} (wrap it in sum() or mean())`,
      0,
    );
  }
  if (!root.requiresGrad) throw new ParseError("J depends on no variable", 0);

  // Every tensor of the graph, by id, found through the ops' inputs.
  const tensors = new Map<number, Tensor>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (tensors.has(t.id)) continue;
    tensors.set(t.id, t);
    stack.push(...(t.node?.inputs ?? []));
  }
  const entries = graphOf(root);
  const differentiable = entries
    .filter((entry) => entry.requiresGrad && entry.id !== root.id)
    .map((entry) => tensors.get(entry.id)!);
  const grads = gradients(root, differentiable);
  const gradById = new Map(differentiable.map((t, i) => [t.id, grads[i]!]));
  gradById.set(root.id, tensor(1, { dtype: root.dtype }).reshape(root.shape));

  const byId = new Map<number, GraphTensor>();
  for (const entry of entries) {
    byId.set(entry.id, {
      tensor: tensors.get(entry.id)!,
      op: entry.op,
      text: texts.get(entry.id) ?? "",
      inputs: entry.inputs,
      grad: gradById.get(entry.id) ?? null,
    });
  }
  const backwardOrder = [...entries]
    .reverse()
    .filter((entry) => entry.requiresGrad)
    .map((entry) => byId.get(entry.id)!);
  return { root, backwardOrder, byId, leaves };
}
