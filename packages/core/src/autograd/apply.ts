import { type DeviceName, deviceRuntime, enterDevice, exitDevice, scalarOn } from "../device.js";
import { isFloat } from "../dtype.js";
import { DeviceError, InplaceModificationError, ValueError } from "../errors.js";
import { Tensor, type TensorLike } from "../tensor.js";
import {
  captureCreationStack,
  checkFinite,
  insideOp,
  isAnomalyEnabled,
  isForwardCheckEnabled,
} from "./anomaly.js";
import { isGradEnabled, setGradEnabled } from "./grad-mode.js";
import { Node } from "./node.js";
import type { RegionGradient } from "./region-gradient.js";

/** What a backward rule can see of its op's forward computation. */
export interface OpContext<A, S> {
  /** The op's tensor inputs (numbers already converted to tensors). */
  readonly inputs: readonly Tensor[];
  /** The op's output: a tensor on the tape, so rules that use it stay differentiable. */
  readonly output: Tensor;
  /** The non-tensor arguments the op was called with (an axis, a shape). */
  readonly attrs: A;
  /** Whatever the forward chose to keep for the backward. */
  readonly saved: S;
}

/** A forward that keeps something for the backward returns it beside the output. */
export interface Forwarded<S> {
  /** The op's result. */
  readonly output: Tensor;
  /** What the backward rule needs from the forward, passed back to it as `saved`. */
  readonly saved: S;
  /**
   * Tensors of `saved` that the forward made for the backward rule alone and handed to no one
   * else (layer norm's x̂, attention's weights). Once the rule has run in a backward pass that
   * releases the graph, their memory is reused for the arrays made next, rather than left for
   * the garbage collector: so the rule must not return them, or views of them, and nothing
   * else may read them afterwards.
   */
  readonly scratch?: readonly Tensor[];
}

/**
 * An op: its name, forward and backward rule. Built-in ops and users' ops are defined the
 * same way, and the backward engine knows nothing else about them.
 */
export interface OpSpec<A = undefined, S = undefined> {
  /** The name errors, anomaly reports and graph listings use; equal to the op's function name. */
  readonly name: string;
  /**
   * The inputs broadcast against each other. The rule may then return gradients of the
   * broadcast shape: the engine sums each back to its input's shape.
   */
  readonly broadcast?: boolean;
  /**
   * Computes the output. Runs with recording off, so it may use tensor ops freely or compute
   * on raw typed arrays; its result must be a new tensor (or `{ output, saved }`).
   */
  forward(inputs: readonly Tensor[], attrs: A): Tensor | Forwarded<S>;
  /**
   * The vector-Jacobian product: given `g` = ∂J/∂output, returns ∂J/∂input for each input
   * (null for inputs that get none). Written with tensor ops, so it can be differentiated.
   * Omitted by ops whose output carries no gradient (comparisons, argmax).
   */
  backward?(g: Tensor, ctx: OpContext<A, S>): readonly (Tensor | null | undefined)[];
}

/**
 * @internal A built-in op whose rule may also return a `RegionGradient` (slice's, while the
 * backward pass is not recorded); users' ops return tensors.
 */
export interface RegionOpSpec<A = undefined, S = undefined> extends Omit<OpSpec<A, S>, "backward"> {
  backward?(
    g: Tensor,
    ctx: OpContext<A, S>,
  ): readonly (Tensor | RegionGradient | null | undefined)[];
}

/** Converts numbers to tensors: each takes the dtype of the first float tensor input. */
export function toTensors(op: string, args: readonly TensorLike[]): Tensor[] {
  let floatDtype: "float32" | "float64" | undefined;
  let anyTensor: Tensor | undefined;
  for (const a of args) {
    if (a instanceof Tensor) {
      anyTensor ??= a;
      if (!floatDtype && isFloat(a.dtype)) floatDtype = a.dtype;
    }
  }
  return args.map((a, i) => {
    if (a instanceof Tensor) return a;
    if (typeof a !== "number") {
      throw new ValueError(op, `input ${i} must be a Tensor or a number, got ${typeof a}`);
    }
    const intLike = Number.isInteger(a) && anyTensor?.dtype === "int32" && !floatDtype;
    return Tensor.scalar(a, floatDtype ?? (intLike ? "int32" : "float32"));
  });
}

/**
 * The device an op runs on: its inputs'. A 0-d CPU input (a number, a scalar tensor) joins
 * an op on another device, as PyTorch lets a CPU scalar join a CUDA op; any other mix is an
 * error naming both devices. `inputs` is updated with the moved scalars.
 */
function deviceOfInputs(op: string, inputs: Tensor[]): DeviceName {
  let device: DeviceName = "cpu";
  let first = -1;
  for (let i = 0; i < inputs.length; i++) {
    const d = inputs[i]!.device;
    if (d === "cpu") continue;
    if (first < 0) {
      device = d;
      first = i;
    } else if (d !== device) {
      throw mixedDevices(op, first, device, i, d);
    }
  }
  if (device === "cpu") return device;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.device !== "cpu") continue;
    if (t.rank !== 0) throw mixedDevices(op, first, device, i, "cpu");
    // A constant (no gradient to send back) comes from the device's cache of numbers.
    inputs[i] = t.requiresGrad
      ? t.to(device)
      : new Tensor(scalarOn(deviceRuntime(op, device), t.item(), t.dtype), [], t.dtype);
  }
  return device;
}

function mixedDevices(op: string, i: number, a: DeviceName, j: number, b: DeviceName) {
  return new DeviceError(
    op,
    `expects all tensors on one device; input ${i} is on ${a} and input ${j} on ${b}`,
    `move one explicitly, as in t.to("${a}")`,
  );
}

/** The tensors directly inside a forward's `saved` value: itself, or an array's or object's. */
function savedTensors(saved: unknown): Tensor[] {
  if (saved instanceof Tensor) return [saved];
  if (saved === null || typeof saved !== "object") return [];
  const values = Array.isArray(saved) ? saved : Object.values(saved);
  return values.filter((v): v is Tensor => v instanceof Tensor);
}

function checkVersion(op: string, which: string, t: Tensor, recorded: number): void {
  const current = t.version;
  if (current !== recorded)
    throw new InplaceModificationError(op, which, t.shape, recorded, current);
}

/**
 * The context a backward rule sees. Reading `inputs`, `output` or `saved` first checks that
 * none of those tensors was written in place since the forward (PyTorch checks saved tensors
 * as they are unpacked); a rule that reads none of them needs no check. A class rather than
 * an object literal, so that recording an op allocates no getter closures.
 */
class VersionCheckedContext<A, S> implements OpContext<A, S> {
  readonly #op: string;
  readonly #inputs: readonly Tensor[];
  readonly #output: Tensor;
  readonly #saved: S;
  readonly #inputVersions: number[];
  readonly #outputVersion: number;
  readonly #savedList: readonly Tensor[];
  readonly #savedVersions: readonly number[];

  constructor(
    op: string,
    inputs: readonly Tensor[],
    output: Tensor,
    readonly attrs: A,
    saved: S,
  ) {
    this.#op = op;
    this.#inputs = inputs;
    this.#output = output;
    this.#saved = saved;
    const versions = new Array<number>(inputs.length);
    for (let i = 0; i < inputs.length; i++) versions[i] = inputs[i]!.version;
    this.#inputVersions = versions;
    this.#outputVersion = output.version;
    this.#savedList = saved === undefined ? [] : savedTensors(saved);
    this.#savedVersions = this.#savedList.map((t) => t.version);
  }

  get inputs(): readonly Tensor[] {
    const inputs = this.#inputs;
    for (let i = 0; i < inputs.length; i++) {
      checkVersion(this.#op, `input ${i}`, inputs[i]!, this.#inputVersions[i]!);
    }
    return inputs;
  }

  get output(): Tensor {
    checkVersion(this.#op, "output", this.#output, this.#outputVersion);
    return this.#output;
  }

  get saved(): S {
    for (let i = 0; i < this.#savedList.length; i++) {
      checkVersion(this.#op, "saved", this.#savedList[i]!, this.#savedVersions[i]!);
    }
    return this.#saved;
  }
}

/**
 * Runs a backward rule in anomaly mode: checks each gradient it returns for an input that needs
 * one, so a NaN is reported under this op before the engine sums it to the input's shape.
 */
function checkedRule<A, S>(
  op: string,
  rule: NonNullable<RegionOpSpec<A, S>["backward"]>,
  g: Tensor,
  ctx: OpContext<A, S>,
  createdAt: string | undefined,
): readonly (Tensor | RegionGradient | null | undefined)[] {
  const grads = insideOp(() => rule(g, ctx));
  grads.forEach((grad, k) => {
    const values = grad instanceof Tensor ? grad : grad?.values;
    if (values && ctx.inputs[k]?.requiresGrad) {
      checkFinite(
        op,
        "backward",
        values.data,
        ctx.inputs.map((t) => t.shape),
        createdAt,
      );
    }
  });
  return grads;
}

/** The specs of users' ops, whose rules may keep the gradients they see (see GradientMemory). */
const userSpecs = new WeakSet<object>();

/**
 * Runs an op and, when any input needs a gradient and recording is on, records it on the tape
 * (exported as `applyOp`, for ops defined outside the library). The backward pass takes the
 * op's rule for one that may keep the gradients it is given, and never reuses their memory.
 */
export function applyUserOp<A, S>(
  spec: OpSpec<A, S>,
  args: readonly TensorLike[],
  attrs: A,
): Tensor {
  userSpecs.add(spec);
  return applyOp(spec, args, attrs);
}

/**
 * Runs an op and, when any input needs a gradient and recording is on, records it on the tape.
 * This is the one place every op, built-in or user-defined, passes through.
 */
export function applyOp<A, S>(
  spec: OpSpec<A, S> | RegionOpSpec<A, S>,
  args: readonly TensorLike[],
  attrs: A,
): Tensor {
  const inputs = toTensors(spec.name, args);
  const device = deviceOfInputs(spec.name, inputs);
  const backward = spec.backward;
  const record = backward !== undefined && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const anomaly = isAnomalyEnabled();
  const check = isForwardCheckEnabled();
  const previous = setGradEnabled(false);
  const previousDevice = enterDevice(device);
  let result: Tensor | Forwarded<S>;
  try {
    result = anomaly ? insideOp(() => spec.forward(inputs, attrs)) : spec.forward(inputs, attrs);
  } finally {
    exitDevice(previousDevice);
    setGradEnabled(previous);
  }
  let output: Tensor;
  let saved: S;
  let scratch: readonly Tensor[] | undefined;
  if (result instanceof Tensor) {
    output = result;
    saved = undefined as S;
  } else {
    output = result.output;
    saved = result.saved;
    scratch = result.scratch;
  }
  const createdAt = anomaly && (check || record) ? captureCreationStack() : undefined;
  if (check && isFloat(output.dtype)) {
    checkFinite(
      spec.name,
      "forward",
      output.data,
      inputs.map((t) => t.shape),
      createdAt,
    );
  }
  // Integer and boolean results carry no gradient, as in PyTorch.
  if (!record || !isFloat(output.dtype)) return output;
  // An op may return one of its inputs (a reshape to the same shape): give it its own tensor.
  if (output.requiresGrad || inputs.includes(output)) output = output.alias();
  const ctx = new VersionCheckedContext(spec.name, inputs, output, attrs, saved);
  const node = new Node(
    spec.name,
    inputs,
    (g) =>
      isAnomalyEnabled() ? checkedRule(spec.name, backward, g, ctx, createdAt) : backward(g, ctx),
    spec.broadcast === true,
    createdAt,
    userSpecs.has(spec),
    scratch,
  );
  output.attachNode(node);
  return output;
}

/**
 * Defines a new differentiable op from a forward computation and a backward rule, and
 * returns it as a function that accepts tensors and numbers like any built-in op.
 *
 * @example
 * const softplus = defineOp({
 *   name: "softplus",
 *   forward: ([x]) => x.exp().add(1).log(),
 *   // d softplus(x) = g · sigmoid(x)
 *   backward: (g, { inputs: [x] }) => [g.mul(x.sigmoid())],
 * });
 * softplus(tensor([0, 1], { requiresGrad: true })).sum().backward();
 */
export function defineOp<S = undefined>(
  spec: OpSpec<undefined, S>,
): ((...inputs: TensorLike[]) => Tensor) & {
  /** The spec the op was made from. */
  readonly spec: OpSpec<undefined, S>;
} {
  const op = (...inputs: TensorLike[]) => applyUserOp(spec, inputs, undefined);
  return Object.assign(op, { spec });
}
