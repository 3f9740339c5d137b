/**
 * The generic backward pass. It applies the chain rule ∂J/∂θ = Σ_g ∂J/∂g · ∂g/∂θ over the
 * recorded graph: each node's vector-Jacobian product maps the gradient of its output to
 * gradients of its inputs, and gradients reaching a tensor along several paths are summed.
 * It knows nothing about any particular op.
 */
import { isFloat } from "../dtype.js";
import { BackwardRuleError, checkOptions, GradientError, ShapeError } from "../errors.js";
import { add } from "../ops/add.js";
import { identity } from "../ops/identity.js";
import { placeRegions, regionsOverlap } from "../ops/slice-scatter.js";
import { sumTo } from "../ops/sum-to.js";
import { broadcastsTo, formatShape, shapesEqual } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkFinite, isAnomalyEnabled } from "./anomaly.js";
import { setGradEnabled } from "./grad-mode.js";
import { GradientMemory } from "./gradient-memory.js";
import type { Node } from "./node.js";
import { RegionGradient } from "./region-gradient.js";
import { postOrder } from "./traverse.js";

/** Whether `backward()` keeps the graph, and whether it records the backward pass itself. */
export interface BackwardOptions {
  /** Keep the graph's saved tensors so that backward can run through it again. */
  readonly retainGraph?: boolean;
  /** Record the backward computation itself, so gradients can be differentiated again. */
  readonly createGraph?: boolean;
}

/** Brings a rule's gradient to its input's shape, or says which rule is wrong. */
function fitGradient(
  node: Node,
  index: number,
  input: Tensor,
  grad: Tensor | RegionGradient,
): Tensor | RegionGradient {
  if (grad instanceof RegionGradient) {
    // A region gradient is already of its input's shape: only a wrong rule makes it otherwise.
    if (!shapesEqual(grad.shape, input.shape) || grad.values.dtype !== input.dtype) {
      throw new BackwardRuleError(
        node.op,
        `returned a ${grad.values.dtype} region gradient of shape ${formatShape(grad.shape)} for a ${input.dtype} input of shape ${formatShape(input.shape)}`,
        index,
      );
    }
    return grad;
  }
  let fitted = grad;
  if (!shapesEqual(grad.shape, input.shape)) {
    if (!node.broadcast || !broadcastsTo(input.shape, grad.shape)) {
      throw new BackwardRuleError(
        node.op,
        `returned a gradient of shape ${formatShape(grad.shape)} for an input of shape ${formatShape(input.shape)}`,
        index,
      );
    }
    fitted = sumTo(grad, input.shape);
  }
  if (fitted.dtype !== input.dtype) {
    throw new BackwardRuleError(
      node.op,
      `returned a ${fitted.dtype} gradient for a ${input.dtype} input`,
      index,
    );
  }
  return fitted;
}

/**
 * Gradients that reached one tensor as regions (see RegionGradient), not yet placed, after
 * the sum of those that came before them.
 */
class PendingGradient {
  constructor(
    readonly before: Tensor | undefined,
    readonly regions: RegionGradient[],
  ) {}
}

/**
 * `existing` (what reached a tensor so far) with `grad` added. The sum comes out in the bits
 * that adding each zero-padded region as it arrives would give, but for the sign of a zero
 * (x + 0 is x for every x but −0): regions are placed in arrival order and added where they
 * overlap, and a whole gradient is added only after the regions before it are placed.
 */
function accumulate(
  existing: Tensor | PendingGradient | undefined,
  grad: Tensor | RegionGradient,
): Tensor | PendingGradient {
  if (grad instanceof RegionGradient) {
    if (existing instanceof PendingGradient) {
      existing.regions.push(grad);
      return existing;
    }
    return new PendingGradient(existing, [grad]);
  }
  return existing ? add(resolve(existing), grad) : grad;
}

/**
 * The whole gradient a slot holds: the gradient, or a pending one's sum before its regions
 * (whose values are never given back, so the bookkeeping leaves them out).
 */
const slotTensor = (slot: Tensor | PendingGradient | undefined): Tensor | undefined =>
  slot instanceof Tensor ? slot : slot?.before;

/** The gradient `accumulate` gathered, as one tensor. */
function resolve(pending: Tensor | PendingGradient): Tensor {
  if (pending instanceof Tensor) return pending;
  const { before, regions } = pending;
  const shape = regions[0]!.shape;
  if (!before) return placeRegions(shape, regions);
  if (!regionsOverlap(regions)) return add(before, placeRegions(shape, regions));
  // Overlapping regions after a whole gradient: each is added in turn, as it arrived.
  let sum = before;
  for (const r of regions) sum = add(sum, placeRegions(shape, [r]));
  return sum;
}

/**
 * Runs the chain rule from `root` (seeded with `seed`) back through the graph.
 * With `targets`, returns the gradients of those tensors and leaves every `.grad` alone;
 * without, accumulates into `.grad` of every leaf that requires it.
 */
function run(
  root: Tensor,
  seed: Tensor,
  options: BackwardOptions,
  targets: ReadonlySet<Tensor> | undefined,
): Map<Tensor, Tensor> {
  // Inputs before the ops that use them; walked backwards, every gradient is complete
  // before it is propagated further. Gradients are held by position in that order.
  const { order, position } = postOrder(root, (input) => input.requiresGrad);
  // With targets, only nodes on a path to a target need their rule run.
  let needed: Set<Tensor> | undefined;
  if (targets) {
    needed = new Set();
    for (const t of order) {
      if (targets.has(t) || t.node?.inputs.some((i) => needed!.has(i))) needed.add(t);
    }
  }
  const grads: (Tensor | PendingGradient | undefined)[] = new Array(order.length);
  grads[order.length - 1] = seed;
  const captured = new Map<Tensor, Tensor>();
  const assignedToLeaves = new Set<Tensor>();
  const anomaly = isAnomalyEnabled();
  const previous = setGradEnabled(options.createGraph === true);
  // Gradients dead once propagated give their arrays back, unless this pass is recorded.
  const memory = options.createGraph ? null : new GradientMemory();
  // Whether each node's rule runs for the last time in this pass (its scratch then goes too).
  const releasing = !(options.retainGraph ?? options.createGraph);
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]!;
      const pending = grads[i];
      if (!pending) continue;
      grads[i] = undefined;
      memory?.release(slotTensor(pending));
      const g = resolve(pending);
      if (targets?.has(tensor)) {
        captured.set(tensor, g);
        memory?.keep([g]);
      }
      const node = tensor.node;
      if (!node) {
        if (!targets) {
          // Two leaves may receive the very same gradient tensor; each gets its own (still on
          // the tape when the backward pass is itself being recorded).
          const own = assignedToLeaves.has(g) ? (options.createGraph ? identity(g) : g.clone()) : g;
          assignedToLeaves.add(own);
          tensor.grad = tensor.grad ? add(tensor.grad, own) : own;
          memory?.keep([own, tensor.grad]);
        }
        continue;
      }
      if (needed && !node.inputs.some((input) => needed.has(input))) continue;
      const vjp = node.vjp;
      if (!vjp) {
        throw new GradientError(
          node.op,
          "cannot run backward through this part of the graph a second time: its saved tensors were released",
          "pass { retainGraph: true } to the first backward() if you need to call it again",
        );
      }
      const inputGrads = vjp(g);
      if (inputGrads.length !== node.inputs.length) {
        throw new BackwardRuleError(
          node.op,
          `returned ${inputGrads.length} gradients for ${node.inputs.length} inputs`,
        );
      }
      // A user's rule may have kept its upstream gradient, or may keep what it returned.
      if (node.userRule) memory?.keep([g, ...inputGrads]);
      // What this node's propagation leaves dead besides g (and a pending gradient's sum
      // before its regions): gradients replaced by a sum or a fit.
      const dead: Tensor[] = [];
      for (let k = 0; k < node.inputs.length; k++) {
        const input = node.inputs[k]!;
        const raw = inputGrads[k];
        if (!raw || !input.requiresGrad || (needed && !needed.has(input))) continue;
        const grad = fitGradient(node, k, input, raw);
        if (memory && grad !== raw && raw instanceof Tensor) dead.push(raw);
        if (grad instanceof RegionGradient) memory?.keep([grad]);
        if (anomaly) {
          checkFinite(
            node.op,
            "backward",
            (grad instanceof RegionGradient ? grad.values : grad).data,
            node.inputs.map((t) => t.shape),
            node.createdAt,
          );
        }
        const at = position.get(input);
        // Every input that requires grad was walked; one whose flag a rule flipped was not.
        if (at === undefined) continue;
        const before = slotTensor(grads[at]);
        grads[at] = accumulate(grads[at], grad);
        if (memory) {
          const now = slotTensor(grads[at]);
          if (now !== before) {
            memory.release(before);
            memory.hold(now);
          }
          // A sum replaced what was there and what arrived.
          if (grads[at] instanceof Tensor && grads[at] !== grad) {
            if (before) dead.push(before);
            if (grad instanceof Tensor) dead.push(grad);
          }
        }
      }
      // What the rule returned into a slot is held there, which the counts see.
      if (memory) {
        memory.drop(g, node.inputs);
        if (!(pending instanceof Tensor)) memory.drop(pending.before, node.inputs);
        for (const t of dead) memory.drop(t, node.inputs);
        if (releasing && node.scratch) {
          memory.dropScratch(node.scratch, inputGrads);
          node.scratch = undefined;
        }
      }
    }
  } finally {
    memory?.end();
    setGradEnabled(previous);
  }
  if (releasing) {
    for (const t of order) {
      if (!t.node) continue;
      t.node.vjp = null;
      t.node.scratch = undefined;
    }
  }
  return captured;
}

function seedFor(root: Tensor, grad: Tensor | undefined, op: string): Tensor {
  if (!root.requiresGrad) {
    throw new GradientError(
      op,
      "the tensor does not require grad and has no recorded graph",
      "create the leaves with { requiresGrad: true }, and do not compute the loss inside noGrad()",
    );
  }
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new GradientError(
        op,
        `an implicit gradient can only be created for a scalar output; got shape ${formatShape(root.shape)}`,
        "pass the upstream gradient explicitly, as in y.backward(onesLike(y)), or reduce y with sum() or mean() first",
      );
    }
    return root.onesLike();
  }
  if (!shapesEqual(grad.shape, root.shape)) {
    throw new ShapeError(op, "the upstream gradient must have the output's shape", {
      output: root.shape,
      grad: grad.shape,
    });
  }
  if (grad.dtype !== root.dtype) return grad.cast(root.dtype);
  return grad;
}

const BACKWARD_OPTIONS = ["retainGraph", "createGraph"];

/**
 * Checks backward's arguments: `grad` a tensor or nothing, `options` an object of known keys.
 * `y.backward({ retainGraph: true })` is read as the options, as PyTorch's keyword call.
 */
function backwardArguments(
  op: string,
  grad: unknown,
  options: unknown,
): [Tensor | undefined, BackwardOptions] {
  if (grad !== undefined && grad !== null && !(grad instanceof Tensor)) {
    if (typeof grad === "object" && !Array.isArray(grad) && options === undefined) {
      return backwardArguments(op, undefined, grad);
    }
    throw new GradientError(
      op,
      `the upstream gradient must be a Tensor; got ${Array.isArray(grad) ? "an array" : typeof grad}`,
      "call y.backward(), y.backward(gradTensor) or y.backward(gradTensor, { retainGraph: true })",
    );
  }
  checkOptions(op, options as object | undefined, BACKWARD_OPTIONS);
  return [grad ?? undefined, (options ?? {}) as BackwardOptions];
}

/**
 * `root.backward(grad)`: accumulates ∂root/∂leaf into `.grad` of every leaf that requires it.
 * The options may stand in the gradient's place for a scalar root: `backward(y, { retainGraph })`.
 */
export function backward(
  root: Tensor,
  grad?: Tensor | BackwardOptions,
  options?: BackwardOptions,
): void {
  const [seed, checked] = backwardArguments("backward", grad, options);
  run(root, seedFor(root, seed, "backward"), checked, undefined);
}

/**
 * The gradients of `output` with respect to each of `inputs` (any tensors in its graph, not
 * only leaves), leaving `.grad` untouched. Inputs the output does not depend on get zeros.
 */
export function gradients(
  output: Tensor,
  inputs: readonly Tensor[],
  grad?: Tensor,
  options: BackwardOptions = {},
): Tensor[] {
  const [seed, checked] = backwardArguments("gradients", grad, options);
  for (const [i, input] of inputs.entries()) {
    if (!input.requiresGrad || !isFloat(input.dtype)) {
      throw new GradientError(
        "gradients",
        `input ${i} does not require grad, so no gradient can reach it`,
      );
    }
  }
  if (!output.requiresGrad) return inputs.map((x) => x.zerosLike());
  const captured = run(output, seedFor(output, seed, "gradients"), checked, new Set(inputs));
  return inputs.map((x) => captured.get(x) ?? x.zerosLike());
}
