import {
  checkOptions,
  type DeviceName,
  type DType,
  DTypeError,
  noGrad,
  ShapeError,
  shapesEqual,
  Tensor,
  tensor,
  ValueError,
} from "@tensortape/core";
import { StateDictError, type StateDictMismatch } from "./errors.js";

/** Tensors by dotted name (`layers.0.weight`), as `stateDict()` returns and safetensors files hold. */
export type StateDict = Record<string, Tensor>;

/** One field of a module: `owner[key]`, known in state dicts as `name`. */
export interface Member {
  /** The name in state dicts, relative to the module (`running_mean`, `0`). */
  readonly name: string;
  /** The object holding the field: usually the module itself. */
  readonly owner: object;
  /** The property (or array index) of `owner` that holds the field. */
  readonly key: string | number;
}

/** Where a tensor sits in a module tree, and under which dotted name. */
interface TensorSlot {
  readonly name: string;
  readonly tensor: Tensor;
  readonly owner: object;
  readonly key: string | number;
}

interface Survey {
  /** Every module once, with its dotted name ("" for the root) and the module holding it. */
  readonly modules: readonly { name: string; module: Module; parent: Module | null }[];
  /** Every place a leaf tensor sits, shared tensors included once per place. */
  readonly slots: readonly TensorSlot[];
  /** The first slot of each distinct tensor: what names it in state dicts. */
  readonly unique: readonly TensorSlot[];
}

/** Buffers registered with `{ persistent: false }`, by owning module: in no state dict. */
const nonPersistent = new WeakMap<Module, Set<string>>();

function isPersistent(slot: TensorSlot): boolean {
  return !(slot.owner instanceof Module) || !nonPersistent.get(slot.owner)?.has(String(slot.key));
}

/** The modules whose forward is running, outermost first: where an error happened. */
const forwardStack: Module[] = [];
const annotated = new WeakSet<object>();

/** "Dense(256 → 128)": a module's class and its extra representation. */
function describeModule(module: Module): string {
  const extra = module.extraRepr();
  return extra ? `${module.constructor.name}(${extra})` : module.constructor.name;
}

/** "Sequential › 1 (Dense(256 → 128))": the path from the outermost module to the innermost. */
function forwardPath(): string {
  const parts = [describeModule(forwardStack[0]!)];
  for (let i = 1; i < forwardStack.length; i++) {
    const parent = forwardStack[i - 1]!;
    const module = forwardStack[i]!;
    const name = parent.namedModules().find(([, m]) => m === module)?.[0];
    parts.push(name ? `${name} (${describeModule(module)})` : describeModule(module));
  }
  return parts.join(" › ");
}

/**
 * Names the module path in an error thrown inside a forward, above the op's own message, once
 * (by the innermost module). A dtype clash inside a model is the input's fault far more often
 * than the weights', so its hint says to cast the input to the model's dtype.
 */
function annotate(error: unknown, module: Module): void {
  if (!(error instanceof Error) || annotated.has(error)) return;
  annotated.add(error);
  // A layer called on its own that names itself in its error needs no path.
  const op = (error as { op?: unknown }).op;
  if (forwardStack.length === 1 && op === module.constructor.name) return;
  const path = forwardPath();
  const original = error.message;
  let message = original;
  if (error instanceof DTypeError) {
    const dtype = module
      .parameters()
      .find((p) => p.dtype === "float32" || p.dtype === "float64")?.dtype;
    if (dtype) {
      const hint = `the model's parameters are ${dtype}: cast the input to match, as in x.cast("${dtype}")`;
      message = `${message.replace(/\nhint: [\s\S]*$/, "")}\nhint: ${hint}`;
      Object.defineProperty(error, "hint", { value: hint });
    }
  }
  error.message = `in ${path}:\n  ${message.replaceAll("\n", "\n  ")}`;
  Object.defineProperty(error, "modulePath", { value: path, enumerable: true });
  if (typeof error.stack === "string") error.stack = error.stack.replace(original, error.message);
}

function read(owner: object, key: string | number): unknown {
  return (owner as Record<string | number, unknown>)[key];
}

function write(owner: object, key: string | number, value: unknown): void {
  (owner as Record<string | number, unknown>)[key] = value;
}

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

/**
 * Walks a module tree through its members: tensors, sub-modules, and arrays of them (nested
 * arrays too). A module met twice (shared, or a field pointing back up) is visited once.
 */
function survey(root: Module): Survey {
  const modules: { name: string; module: Module; parent: Module | null }[] = [];
  const slots: TensorSlot[] = [];
  const seen = new Set<Module>();
  const visitModule = (module: Module, name: string, parent: Module | null) => {
    if (seen.has(module)) return;
    seen.add(module);
    modules.push({ name, module, parent });
    for (const m of module.namedMembers()) {
      visitValue(read(m.owner, m.key), join(name, m.name), m.owner, m.key, module);
    }
  };
  const visitValue = (
    value: unknown,
    name: string,
    owner: object,
    key: string | number,
    parent: Module,
  ): void => {
    // Tensors computed by ops (cached activations) are not state; only leaves are.
    if (value instanceof Tensor) {
      if (value.isLeaf) slots.push({ name, tensor: value, owner, key });
    } else if (value instanceof Module) {
      visitModule(value, name, parent);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visitValue(item, join(name, String(i)), value, i, parent);
      });
    }
  };
  visitModule(root, "", null);
  const seenTensors = new Set<Tensor>();
  const unique = slots.filter((s) => !seenTensors.has(s.tensor) && seenTensors.add(s.tensor));
  return { modules, slots, unique };
}

/** Puts `replacement` in every slot that holds `original`, and returns how to undo it. */
function replaceEverywhere(
  slots: readonly TensorSlot[],
  original: Tensor,
  replacement: Tensor,
): () => void {
  const touched = slots.filter((s) => s.tensor === original);
  for (const s of touched) write(s.owner, s.key, replacement);
  return () => {
    for (const s of touched) write(s.owner, s.key, original);
  };
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /**
   * Require the names to match exactly (default). With `strict: false`, missing and unexpected
   * names are reported instead of thrown; shapes and dtypes must still match.
   */
  readonly strict?: boolean;
}

/** Names `loadStateDict` skipped when not strict. */
export interface LoadStateDictResult {
  /** Names the module has and the state dict lacks; those tensors were left as they were. */
  readonly missing: readonly string[];
  /** Names the state dict has and the module lacks; those tensors were ignored. */
  readonly unexpected: readonly string[];
}

/**
 * The base class of every layer and model. Parameters and sub-modules are found by looking at
 * the fields: a leaf tensor that requires grad is a parameter, any other leaf tensor is a
 * buffer (saved in state dicts, not trained), and modules and arrays of them are walked
 * recursively, named by field and index (`layers.0.weight`). Private `#fields` are not seen.
 *
 * @example
 * class Net extends Module {
 *   hidden = new Dense(2, 16, { activation: "relu" });
 *   out = new Dense(16, 2);
 *   override forward(x: Tensor): Tensor {
 *     return this.out.forward(this.hidden.forward(x));
 *   }
 * }
 * const net = new Net();
 * net.namedParameters().map(([name]) => name); // ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
 */
export abstract class Module {
  /** Whether the module is in training mode: Dropout drops and BatchNorm uses batch statistics. */
  training = true;

  constructor() {
    // Every forward runs inside a frame that names this module in errors thrown below it
    // (see `annotate`). Non-enumerable, so it is no member of the module.
    const forward = this.forward as (...inputs: unknown[]) => unknown;
    Object.defineProperty(this, "forward", {
      value: (...inputs: unknown[]) => {
        forwardStack.push(this);
        try {
          return forward.apply(this, inputs);
        } catch (error) {
          annotate(error, this);
          throw error;
        } finally {
          forwardStack.pop();
        }
      },
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }

  /**
   * Holds `tensor` as a buffer named `name` (a field of that name): not trained, moved by
   * `to()`, and saved in state dicts unless `persistent` is false (a causal mask that is
   * cheaper to keep than to rebuild, but belongs in no checkpoint), as PyTorch's
   * `register_buffer`. Returns the tensor.
   * @example this.registerBuffer("mask", causalMask(64), { persistent: false })
   */
  registerBuffer(name: string, tensor: Tensor, options: { persistent?: boolean } = {}): Tensor {
    checkOptions("registerBuffer", options, ["persistent"]);
    const persistent = options.persistent ?? true;
    if (typeof persistent !== "boolean") {
      throw new ValueError(
        "registerBuffer",
        `persistent must be a boolean; got ${String(persistent)}`,
      );
    }
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new ValueError(
        "registerBuffer",
        `a buffer name must be a non-empty string without "."; got ${JSON.stringify(name)}`,
      );
    }
    if (!(tensor instanceof Tensor) || !tensor.isLeaf || tensor.requiresGrad) {
      throw new ValueError(
        "registerBuffer",
        `buffer "${name}" must be a leaf tensor that does not require grad`,
        "pass t.detach(), or make it a parameter instead",
      );
    }
    (this as unknown as Record<string, Tensor>)[name] = tensor;
    const names = nonPersistent.get(this) ?? new Set<string>();
    nonPersistent.set(this, names);
    if (persistent) names.delete(name);
    else names.add(name);
    return tensor;
  }

  /** The computation. Subclasses declare their own typed signature, e.g. `forward(x: Tensor): Tensor`. */
  abstract forward(...inputs: never[]): unknown;

  /**
   * The fields that may hold tensors and modules, with the names they take in state dicts:
   * by default every own enumerable field, named after itself. Override to rename (BatchNorm1d
   * exposes `runningMean` as PyTorch's `running_mean`) or to name by index (Sequential).
   */
  namedMembers(): Member[] {
    return Object.keys(this).map((key) => ({ name: key, owner: this, key }));
  }

  /** Every parameter with its dotted name, each shared parameter once (under its first name). */
  namedParameters(): [string, Tensor][] {
    return survey(this)
      .unique.filter((s) => s.tensor.requiresGrad)
      .map((s) => [s.name, s.tensor]);
  }

  /** Every parameter (leaf tensor that requires grad), as an optimizer takes them. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer (leaf tensor that does not require grad, such as BatchNorm's running mean). */
  namedBuffers(): [string, Tensor][] {
    return survey(this)
      .unique.filter((s) => !s.tensor.requiresGrad)
      .map((s) => [s.name, s.tensor]);
  }

  /** The buffers' tensors. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** The modules held directly by this one (in fields or arrays), with their names. */
  namedChildren(): [string, Module][] {
    return survey(this)
      .modules.filter((m) => m.parent === this)
      .map((m) => [m.name, m.module]);
  }

  /** This module and every module below it, with dotted names ("" for this one). */
  namedModules(): [string, Module][] {
    return survey(this).modules.map((m) => [m.name, m.module]);
  }

  /** This module and every module below it. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The number of trainable scalars: the sum of the parameters' sizes. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and every module below it; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`): Dropout passes through, BatchNorm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * A snapshot of every parameter and buffer by dotted name: copies, so later training does
   * not change it.
   * @example saveSafetensors("model.safetensors", model.stateDict())
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const s of survey(this).unique.filter(isPersistent)) out[s.name] = s.tensor.clone();
    return out;
  }

  /**
   * Copies a state dict's tensors into this module's parameters and buffers, in place (so an
   * optimizer holding them keeps working), bumping each one's version. Names, shapes and
   * dtypes are all checked first; on any mismatch a `StateDictError` lists every one and
   * nothing is loaded.
   * @example model.loadStateDict(deserializeSafetensors(bytes).tensors)
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions("loadStateDict", options, ["strict"]);
    const strict = options.strict ?? true;
    if (typeof strict !== "boolean") {
      throw new ValueError("loadStateDict", `strict must be a boolean; got ${String(strict)}`);
    }
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new ValueError(
        "loadStateDict",
        "the state dict must be an object of tensors by name",
        "pass model.stateDict() or deserializeSafetensors(bytes).tensors",
      );
    }
    const own = survey(this).unique.filter(isPersistent);
    const ownNames = new Set(own.map((s) => s.name));
    const mismatches: StateDictMismatch[] = [];
    const missing: string[] = [];
    const unexpected: string[] = [];
    for (const [name, source] of Object.entries(state)) {
      if (!(source instanceof Tensor)) {
        throw new ValueError("loadStateDict", `entry "${name}" is not a Tensor`);
      }
    }
    for (const { name, tensor: target } of own) {
      const source = state[name];
      const expected = { shape: target.shape, dtype: target.dtype };
      if (source === undefined) {
        missing.push(name);
        if (strict) mismatches.push({ kind: "missing", name, expected });
        continue;
      }
      const got = { shape: source.shape, dtype: source.dtype };
      if (!shapesEqual(source.shape, target.shape)) {
        mismatches.push({ kind: "shape", name, expected, got });
      } else if (source.dtype !== target.dtype) {
        mismatches.push({ kind: "dtype", name, expected, got });
      }
    }
    for (const [name, source] of Object.entries(state)) {
      if (ownNames.has(name)) continue;
      unexpected.push(name);
      if (strict) {
        mismatches.push({
          kind: "unexpected",
          name,
          got: { shape: source.shape, dtype: source.dtype },
        });
      }
    }
    if (mismatches.length > 0) {
      const hint =
        missing.length > 0 && unexpected.length > 0
          ? "names differ: a state dict saved from a submodule, or with a prefix, needs its names mapped first"
          : undefined;
      throw new StateDictError("loadStateDict", mismatches, hint);
    }
    noGrad(() => {
      for (const { name, tensor: target } of own) {
        const source = state[name];
        if (!source) continue;
        // Bumps the version: a graph recorded before the load must not run backward with
        // the loaded values. The source may be on another device.
        target.copyFrom(source);
      }
    });
    return { missing, unexpected };
  }

  /**
   * Converts every float parameter and buffer to `dtype`, or moves every parameter and buffer
   * to `device` ("cpu" or "webgpu"): new tensors, requiresGrad kept; returns this. Do it
   * before creating an optimizer, which holds the old tensors.
   * @example const model = new MLP([2, 8, 1]).to("float64");
   * @example await initBackend("webgpu"); const model = new MLP([784, 128, 10]).to("webgpu");
   */
  to(target: "float32" | "float64" | DeviceName): this {
    if (target === "cpu" || target === "webgpu") return this.#toDevice(target);
    const dtype = target;
    if (dtype !== "float32" && dtype !== "float64") {
      throw new ValueError(
        "to",
        `expects a float dtype ("float32", "float64") or a device ("cpu", "webgpu"); got ${String(dtype)}`,
      );
    }
    const { slots, unique } = survey(this);
    for (const { tensor: t } of unique) {
      if (t.dtype === dtype || (t.dtype !== "float32" && t.dtype !== "float64")) continue;
      const converted = tensor(t.data, { shape: t.shape, dtype, requiresGrad: t.requiresGrad });
      replaceEverywhere(slots, t, converted);
    }
    return this;
  }

  #toDevice(device: DeviceName): this {
    const { slots, unique } = survey(this);
    for (const { tensor: t } of unique) {
      if (t.device === device) continue;
      const moved = noGrad(() => t.to(device));
      if (t.requiresGrad) moved.requiresGrad = true;
      replaceEverywhere(slots, t, moved);
    }
    return this;
  }

  /** What a module prints beside its class name, such as `2 → 16, relu` for a Dense layer. */
  extraRepr(): string {
    return "";
  }

  /** The module tree, one child per line, as PyTorch prints modules. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    const children = this.namedChildren();
    if (children.length === 0) return `${head})`;
    const lines = children.map(
      ([name, child]) => `\n  (${name}): ${child.toString().replaceAll("\n", "\n  ")}`,
    );
    return `${head}${lines.join("")}\n)`;
  }
}

/**
 * Runs `module.forward(...args)` with some of its parameters or buffers replaced by the given
 * tensors (by dotted name), then puts the originals back: torch.func.functional_call. It lets
 * `gradcheck` or a meta-learning loop differentiate a whole module with respect to tensors it
 * does not own.
 * @example
 * const names = model.namedParameters().map(([n]) => n);
 * gradcheck((x, ...ps) => functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), x), [x, ...model.parameters()]);
 */
export function functionalCall<M extends Module>(
  module: M,
  replacements: StateDict,
  ...args: Parameters<M["forward"]>
): ReturnType<M["forward"]> {
  const { slots, unique } = survey(module);
  const byName = new Map(unique.map((s) => [s.name, s.tensor]));
  const undo: (() => void)[] = [];
  try {
    for (const [name, replacement] of Object.entries(replacements)) {
      const original = byName.get(name);
      if (!original) {
        throw new ValueError(
          "functionalCall",
          `the module has no parameter or buffer named "${name}"; it has ${[...byName.keys()].join(", ")}`,
        );
      }
      if (!shapesEqual(original.shape, replacement.shape)) {
        throw new ShapeError(
          "functionalCall",
          `the replacement for "${name}" has the wrong shape`,
          { expected: original.shape, got: replacement.shape },
        );
      }
      undo.push(replaceEverywhere(slots, original, replacement));
    }
    const forward = module.forward as (...a: Parameters<M["forward"]>) => ReturnType<M["forward"]>;
    return forward.apply(module, args);
  } finally {
    for (const restore of undo.reverse()) restore();
  }
}

/** A module mapping one tensor to one tensor: what `Sequential` chains and `MLP` is made of. */
export type Layer = Module & {
  /** Maps an input tensor to an output tensor. */
  forward(x: Tensor): Tensor;
};

/** The float dtypes a module's parameters can have. */
export type FloatDType = Extract<DType, "float32" | "float64">;
