import {
  checkOptions,
  DTypeError,
  formatShape,
  noGrad,
  ShapeError,
  shapesEqual,
  Tensor,
  ValueError,
} from "@tensortape/core";
import { definedOnly } from "../defined-only.js";
import { StateDictError, type StateDictMismatch } from "../errors.js";
import { Checker } from "./check.js";

/** A hyperparameter's value: a number, a flag, or a pair such as Adam's betas. */
export type Hyperparameter = number | boolean | readonly number[];

/** Every optimizer has a learning rate; the rest depends on the algorithm. */
export interface Hyperparameters {
  /** Learning rate; schedulers change it between steps. */
  lr: number;
}

/**
 * Parameters that share hyperparameters. Schedules change `lr`; `initialLr` is the rate the
 * group started with, which schedules scale.
 */
export type ParamGroup<H extends Hyperparameters> = H & {
  /** The group's parameters. */
  readonly params: readonly Tensor[];
  /** The group's learning rate before any schedule, set by the first scheduler. */
  initialLr?: number;
};

/** A group as the constructor takes it: its parameters, and whichever options differ from the defaults. */
export type ParamGroupSpec<H extends Hyperparameters> = Partial<H> & {
  /** The group's parameters. */
  readonly params: Iterable<Tensor>;
};

/** What an optimizer keeps per parameter: moment tensors and step counts. */
export type ParamState = Record<string, Tensor | number>;

/** A subclass's typed state: fields holding tensors and numbers (optional ones allowed). */
type StateShape = { [key: string]: Tensor | number | undefined };

/**
 * An optimizer's checkpointable state, keyed by parameter position (counting through the
 * groups in order) as in PyTorch: tensors are copies, so saving it is safe mid-training.
 */
export interface OptimizerStateDict {
  /**
   * Per-parameter state, keyed by the parameter's position; parameters not yet stepped are absent.
   */
  readonly state: Record<string, ParamState>;
  /** Each group's hyperparameters, with its parameters' positions in place of the tensors. */
  readonly paramGroups: readonly (Record<string, Hyperparameter> & {
    /** Positions of the group's parameters, counting through the groups in order. */
    readonly params: readonly number[];
  })[];
}

/**
 * The base of every optimizer: parameter groups, lazily created per-parameter state,
 * `step()`, `zeroGrad()` and state dicts. A subclass supplies `validate`, `initState` and
 * `update`, which writes the new values into `param.data` in place (nothing is recorded on
 * the tape, and the gradient tensors are never modified: they may be shared). `step()` then
 * bumps the version of every parameter and state tensor it wrote, so a graph recorded before
 * the step refuses to run backward with the new values.
 */
export abstract class Optimizer<
  H extends Hyperparameters = Hyperparameters,
  S extends StateShape = ParamState,
> {
  /** The parameter groups, each with its own hyperparameters; edit `lr` here to change a rate. */
  readonly paramGroups: ParamGroup<H>[];
  readonly #state = new Map<Tensor, S>();
  readonly #op: string;
  /** The hyperparameters' names: the keys of the defaults. */
  readonly #known: readonly string[];

  /**
   * @param defaults every hyperparameter's default value; its keys are the options known.
   * @param options the caller's options, checked against the defaults' keys and merged over
   * them (keys given as undefined keep their defaults).
   */
  constructor(
    op: string,
    params: Iterable<Tensor> | readonly ParamGroupSpec<H>[],
    defaults: H,
    options: Partial<H> = {},
  ) {
    this.#op = op;
    this.#known = Object.keys(defaults);
    checkOptions(op, options, this.#known);
    const merged = { ...defaults, ...definedOnly(options ?? {}) } as H;
    const check = new Checker(op);
    this.validate(fields(merged), check);
    if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
      throw new ValueError(op, "params must be an iterable of tensors or of parameter groups");
    }
    const list = [...params];
    const grouped = list.length > 0 && !(list[0] instanceof Tensor);
    const specs: ParamGroupSpec<H>[] = grouped
      ? (list as ParamGroupSpec<H>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec, g) => {
      if (grouped) {
        check.record(
          `paramGroups[${g}]`,
          spec,
          "a tensor or a parameter group { params, ...options }",
        );
        checkOptions(op, spec, [...this.#known, "params"]);
      }
      const groupParams = this.#paramList(spec.params, g);
      groupParams.forEach((p, i) => {
        this.#checkParam(p, `group ${g}, parameter ${i}`, seen);
      });
      const group = {
        ...merged,
        ...definedOnly(spec),
        params: groupParams,
      } as unknown as ParamGroup<H>;
      if (grouped) this.validate(fields(group), check.at(`paramGroups[${g}].`));
      return group;
    });
    if (this.paramGroups.every((g) => g.params.length === 0)) {
      throw new ValueError(op, "got an empty parameter list", "pass model.parameters()");
    }
  }

  #paramList(params: unknown, g: number): unknown[] {
    if (typeof params !== "object" || params === null || !(Symbol.iterator in params)) {
      throw new ValueError(this.#op, `group ${g}'s params must be an iterable of tensors`);
    }
    return [...(params as Iterable<unknown>)];
  }

  #checkParam(p: unknown, where: string, seen: Set<Tensor>): void {
    const op = this.#op;
    if (!(p instanceof Tensor)) throw new ValueError(op, `${where} is not a Tensor`);
    if (!p.isLeaf) {
      throw new ValueError(
        op,
        `${where} was computed by an op; only leaf tensors can be optimized`,
        "optimize the tensors you created (model.parameters()), not results computed from them",
      );
    }
    if (p.dtype !== "float32" && p.dtype !== "float64") {
      throw new DTypeError(op, `${where} must be a float tensor`, { param: p.dtype });
    }
    if (!p.requiresGrad) {
      throw new ValueError(
        op,
        `${where} does not require grad, so it would never be updated`,
        "create it with { requiresGrad: true }, or leave frozen tensors out",
      );
    }
    if (seen.has(p)) throw new ValueError(op, `${where} appears more than once`);
    seen.add(p);
  }

  /**
   * A gradient assigned by hand must match its parameter: the update kernels read both
   * element by element.
   */
  #checkGrad(param: Tensor, grad: Tensor): void {
    if (!shapesEqual(grad.shape, param.shape)) {
      throw new ShapeError(`${this.#op}.step`, "a gradient's shape differs from its parameter's", {
        param: param.shape,
        grad: grad.shape,
      });
    }
    if (grad.dtype !== param.dtype) {
      throw new DTypeError(`${this.#op}.step`, "a gradient's dtype differs from its parameter's", {
        param: param.dtype,
        grad: grad.dtype,
      });
    }
  }

  /**
   * Checks a group's hyperparameters, each through `check` (which names the function and the
   * field in its `HyperparameterError`). The one check of each optimizer: the constructor, the
   * groups of `loadStateDict` and every `step()` run it, so no route accepts a value another
   * refuses. Subclasses check their own hyperparameters after calling this.
   */
  protected validate(h: Readonly<Record<string, unknown>>, check: Checker): void {
    check.number("lr", h.lr, { min: 0 });
    if (h.initialLr !== undefined) check.number("initialLr", h.initialLr, { min: 0 });
  }

  /**
   * State tensors whose elements can never be negative (averages of squared gradients);
   * `loadStateDict` refuses a state that has a negative one, which would make the next
   * step's square root NaN.
   */
  protected nonNegativeState(): readonly string[] {
    return [];
  }

  /** Fresh state for a parameter, made before its first update. */
  protected abstract initState(param: Tensor, group: ParamGroup<H>): S;

  /** Writes one parameter's update into `param.data` (and its state) from its gradient. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<H>, state: S): void;

  /**
   * Updates every parameter that has a gradient, in place; parameters without `.grad` are
   * skipped, as in PyTorch.
   */
  step(): void {
    // Everything is checked before any parameter moves: a step is all or nothing. The
    // hyperparameters too, since a schedule or the caller may have set them since.
    const check = new Checker(`${this.#op}.step`);
    this.paramGroups.forEach((group, g) => {
      this.validate(fields(group), check.at(`paramGroups[${g}].`));
      for (const param of group.params) if (param.grad) this.#checkGrad(param, param.grad);
    });
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          const grad = param.grad;
          if (!grad) continue;
          let state = this.#state.get(param);
          if (!state) {
            state = this.initState(param, group);
            this.#state.set(param, state);
          }
          this.update(param, grad, group, state);
          // The update wrote into the parameter and its state in place.
          param.bumpVersion();
          for (const value of Object.values(state)) {
            if (value instanceof Tensor) value.bumpVersion();
          }
        }
      }
    });
  }

  /** Clears every parameter's `.grad` (sets it to null), ready for the next backward(). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /** The state of a parameter (empty before its first step). */
  stateOf(param: Tensor): Readonly<S> | undefined {
    return this.#state.get(param);
  }

  /** A copy of the per-parameter state and the groups' hyperparameters, for checkpoints. */
  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...hyper } = group;
      const indices = params.map((p) => {
        const s = this.#state.get(p);
        if (s) state[String(index)] = copyState(s);
        return index++;
      });
      return { ...(hyper as Record<string, Hyperparameter>), params: indices };
    });
    return { state, paramGroups };
  }

  /**
   * Restores state saved by `stateDict()` from an optimizer of the same kind over parameters
   * of the same shapes. Everything is checked first, the hyperparameters by the same
   * `validate` as the constructor's, and the step counts and moment tensors too; on any
   * problem nothing is loaded. Parameters are matched to the saved state by position, through
   * each group's `params` indices, as in PyTorch.
   */
  loadStateDict(saved: OptimizerStateDict): void {
    const op = `${this.#op}.loadStateDict`;
    const check = new Checker(op);
    const dict = check.record("stateDict", saved, "an object { state, paramGroups }");
    checkOptions(op, dict, ["state", "paramGroups"]);
    const savedState = check.record(
      "state",
      dict.state,
      "an object of per-parameter state keyed by parameter index",
    );
    if (!Array.isArray(dict.paramGroups)) {
      check.fail("paramGroups", dict.paramGroups, "an array of parameter groups");
    }
    const groups = dict.paramGroups as unknown[];
    if (groups.length !== this.paramGroups.length) {
      throw new ValueError(
        op,
        `the state dict has ${groups.length} parameter groups; this optimizer has ${this.paramGroups.length}`,
      );
    }
    // Each group's hyperparameters, checked as the constructor checks them, and the
    // parameter each saved index stands for.
    const byIndex = new Map<number, { param: Tensor; group: ParamGroup<H> }>();
    const hypers = groups.map((g, i) => {
      const at = check.at(`paramGroups[${i}].`);
      const savedGroup = check.record(`paramGroups[${i}]`, g, "a parameter group object");
      checkOptions(op, savedGroup, [...this.#known, "params", "initialLr"]);
      const { params: indices, ...hyper } = savedGroup;
      const own = this.paramGroups[i]!;
      if (!Array.isArray(indices)) {
        return at.fail("params", indices, "an array of parameter indices");
      }
      if (indices.length !== own.params.length) {
        throw new ValueError(
          op,
          `parameter group ${i} has ${indices.length} parameters in the state dict and ${own.params.length} here`,
        );
      }
      this.validate(hyper, at);
      const group = { ...own, ...hyper } as ParamGroup<H>;
      indices.forEach((index, j) => {
        at.integer(`params[${j}]`, index, { min: 0 });
        if (byIndex.has(index)) at.fail(`params[${j}]`, index, "an index no other parameter has");
        byIndex.set(index, { param: own.params[j]!, group });
      });
      return hyper;
    });
    const nonNegative = this.nonNegativeState();
    const mismatches: StateDictMismatch[] = [];
    const restored = new Map<Tensor, S>();
    for (const [key, value] of Object.entries(savedState)) {
      const target = /^\d+$/.test(key) ? byIndex.get(Number(key)) : undefined;
      const entry = check.record(`state.${key}`, value, "an object of state tensors and counts");
      if (!target) {
        mismatches.push({ kind: "unexpected", name: `state.${key}`, got: describe(entry) });
        continue;
      }
      const fresh = this.initState(target.param, target.group);
      for (const [name, expectedValue] of Object.entries(fresh)) {
        if (expectedValue === undefined) continue;
        const path = `state.${key}.${name}`;
        const got = entry[name];
        const expected =
          expectedValue instanceof Tensor
            ? spec(expectedValue)
            : { shape: [], dtype: "float64" as const };
        if (got === undefined) {
          mismatches.push({ kind: "missing", name: path, expected });
        } else if (!(expectedValue instanceof Tensor)) {
          // A number in a state is a step count.
          if (got instanceof Tensor) {
            mismatches.push({ kind: "shape", name: path, expected, got: spec(got) });
          } else check.integer(path, got, { min: 0 });
        } else if (!(got instanceof Tensor)) {
          if (typeof got === "number") {
            mismatches.push({ kind: "shape", name: path, expected, got: specOf(got) });
          } else
            check.fail(
              path,
              got,
              `a ${expected.dtype} tensor of shape ${formatShape(expected.shape)}`,
            );
        } else if (!shapesEqual(got.shape, expectedValue.shape)) {
          mismatches.push({ kind: "shape", name: path, expected, got: spec(got) });
        } else if (got.dtype !== expectedValue.dtype) {
          mismatches.push({ kind: "dtype", name: path, expected, got: spec(got) });
        } else {
          checkValues(check, path, got, nonNegative.includes(name));
        }
      }
      for (const name of Object.keys(entry)) {
        if (fresh[name] === undefined) {
          mismatches.push({
            kind: "unexpected",
            name: `state.${key}.${name}`,
            got: specOf(entry[name]),
          });
        }
      }
      restored.set(target.param, copyState(entry as StateShape) as S);
    }
    if (mismatches.length > 0) {
      throw new StateDictError(
        op,
        mismatches,
        "was the state saved from another kind of optimizer, or another model?",
      );
    }
    // Everything is valid: only now does anything change.
    this.#state.clear();
    for (const [param, s] of restored) this.#state.set(param, s);
    hypers.forEach((hyper, i) => {
      Object.assign(this.paramGroups[i]!, hyper);
    });
  }
}

/** Every element of a state tensor finite (and non-negative where it must be). */
function checkValues(check: Checker, path: string, t: Tensor, nonNegative: boolean): void {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v) || (nonNegative && v < 0)) {
      check.number(`${path}[${i}]`, v, nonNegative ? { min: 0 } : {});
    }
  }
}

/** A group or hyperparameter object as the named fields `validate` reads. */
function fields(h: object): Readonly<Record<string, unknown>> {
  return h as Readonly<Record<string, unknown>>;
}

function copyState(s: StateShape): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) {
    if (v !== undefined) out[k] = v instanceof Tensor ? v.clone() : v;
  }
  return out;
}

function spec(t: Tensor) {
  return { shape: t.shape, dtype: t.dtype };
}

/** A number (or anything else that is not a tensor) in a state is described as a float64 scalar. */
function specOf(v: unknown) {
  return v instanceof Tensor ? spec(v) : { shape: [], dtype: "float64" as const };
}

function describe(entry: Record<string, unknown>) {
  const first = Object.values(entry).find((v) => v instanceof Tensor);
  return first ? spec(first) : { shape: [], dtype: "float64" as const };
}
