import { DTypeError, noGrad, ShapeError, shapesEqual, Tensor, ValueError } from "@tensortape/core";
import { definedOnly } from "../defined-only.js";
import { StateDictError, type StateDictMismatch } from "../errors.js";

/** A hyperparameter's value: a number, a flag, or a pair such as Adam's betas. */
export type Hyperparameter = number | boolean | readonly number[];

/** Every optimizer has a learning rate; the rest depends on the algorithm. */
export interface Hyperparameters {
  lr: number;
}

/**
 * Parameters that share hyperparameters. Schedules change `lr`; `initialLr` is the rate the
 * group started with, which schedules scale.
 */
export type ParamGroup<H extends Hyperparameters> = H & {
  readonly params: readonly Tensor[];
  initialLr?: number;
};

/** A group as the constructor takes it: its parameters, and whichever options differ from the defaults. */
export type ParamGroupSpec<H extends Hyperparameters> = Partial<H> & {
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
  readonly state: Record<string, ParamState>;
  readonly paramGroups: readonly (Record<string, Hyperparameter> & {
    readonly params: readonly number[];
  })[];
}

/**
 * The base of every optimizer: parameter groups, lazily created per-parameter state,
 * `step()`, `zeroGrad()` and state dicts. A subclass supplies `initState` and `update`, which
 * writes the new values into `param.data` in place (nothing is recorded on the tape, and the
 * gradient tensors are never modified: they may be shared).
 */
export abstract class Optimizer<
  H extends Hyperparameters = Hyperparameters,
  S extends StateShape = ParamState,
> {
  readonly paramGroups: ParamGroup<H>[];
  readonly #state = new Map<Tensor, S>();
  readonly #op: string;

  constructor(op: string, params: Iterable<Tensor> | readonly ParamGroupSpec<H>[], defaults: H) {
    this.#op = op;
    const list = [...params];
    const specs: ParamGroupSpec<H>[] =
      list.length > 0 && !(list[0] instanceof Tensor)
        ? (list as ParamGroupSpec<H>[])
        : [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec, g) => {
      const groupParams = [...spec.params];
      groupParams.forEach((p, i) => {
        this.#checkParam(p, `group ${g}, parameter ${i}`, seen);
      });
      // Options given as undefined keep their defaults.
      const group = {
        ...defaults,
        ...definedOnly(spec),
        params: groupParams,
      } as unknown as ParamGroup<H>;
      this.validate(group);
      return group;
    });
    if (this.paramGroups.every((g) => g.params.length === 0)) {
      throw new ValueError(op, "got an empty parameter list", "pass model.parameters()");
    }
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

  /** Checks a group's hyperparameters; throws a ValueError naming the bad one. */
  protected validate(group: H): void {
    this.require(group.lr >= 0, `lr must be non-negative; got ${group.lr}`);
  }

  /** Throws a ValueError naming this optimizer unless `condition` holds. */
  protected require(condition: boolean, problem: string): void {
    if (!condition) throw new ValueError(this.#op, problem);
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
    // Every gradient is checked before any parameter moves: a step is all or nothing.
    for (const group of this.paramGroups) {
      for (const param of group.params) if (param.grad) this.#checkGrad(param, param.grad);
    }
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
   * of the same shapes. Everything is checked first; on a mismatch nothing is loaded.
   */
  loadStateDict(saved: OptimizerStateDict): void {
    const op = `${this.#op}.loadStateDict`;
    const groups = saved.paramGroups;
    if (groups.length !== this.paramGroups.length) {
      throw new ValueError(
        op,
        `the state dict has ${groups.length} parameter groups; this optimizer has ${this.paramGroups.length}`,
      );
    }
    const params = this.paramGroups.flatMap((g) => g.params);
    groups.forEach((g, i) => {
      const own = this.paramGroups[i]!.params.length;
      if (g.params.length !== own) {
        throw new ValueError(
          op,
          `parameter group ${i} has ${g.params.length} parameters in the state dict and ${own} here`,
        );
      }
    });
    const mismatches: StateDictMismatch[] = [];
    const restored = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(saved.state)) {
      const param = params[Number(key)];
      if (!param) {
        mismatches.push({ kind: "unexpected", name: `state.${key}`, got: describe(entry) });
        continue;
      }
      const group = this.paramGroups.find((g) => g.params.includes(param))!;
      const fresh = this.initState(param, group);
      for (const [name, value] of Object.entries(fresh)) {
        if (value === undefined) continue;
        const path = `state.${key}.${name}`;
        const got = entry[name];
        const expected =
          value instanceof Tensor ? spec(value) : { shape: [], dtype: "float64" as const };
        if (got === undefined) {
          mismatches.push({ kind: "missing", name: path, expected });
        } else if (value instanceof Tensor !== got instanceof Tensor) {
          mismatches.push({ kind: "shape", name: path, expected, got: specOf(got) });
        } else if (value instanceof Tensor && got instanceof Tensor) {
          if (!shapesEqual(got.shape, value.shape)) {
            mismatches.push({ kind: "shape", name: path, expected, got: spec(got) });
          } else if (got.dtype !== value.dtype) {
            mismatches.push({ kind: "dtype", name: path, expected, got: spec(got) });
          }
        }
      }
      for (const name of Object.keys(entry)) {
        if (fresh[name] === undefined) {
          mismatches.push({
            kind: "unexpected",
            name: `state.${key}.${name}`,
            got: specOf(entry[name]!),
          });
        }
      }
      restored.set(param, copyState(entry) as S);
    }
    if (mismatches.length > 0) {
      throw new StateDictError(
        op,
        mismatches,
        "was the state saved from another kind of optimizer, or another model?",
      );
    }
    this.#state.clear();
    for (const [param, s] of restored) this.#state.set(param, s);
    groups.forEach((g, i) => {
      const { params: _, ...hyper } = g;
      Object.assign(this.paramGroups[i]!, hyper);
    });
  }
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

/** A number in a state is described as a float64 scalar. */
function specOf(v: Tensor | number) {
  return v instanceof Tensor ? spec(v) : { shape: [], dtype: "float64" as const };
}

function describe(entry: ParamState) {
  const first = Object.values(entry).find((v) => v instanceof Tensor);
  return first ? spec(first) : { shape: [], dtype: "float64" as const };
}
