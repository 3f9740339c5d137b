import { gradients } from "../autograd/backward.js";
import { tensor } from "../creation.js";
import { isFloat } from "../dtype.js";
import { checkOptions, TensortapeError, ValueError } from "../errors.js";
import { add } from "../ops/add.js";
import { mul } from "../ops/mul.js";
import { sum } from "../ops/sum.js";
import { Generator } from "../random.js";
import { formatShape } from "../shape.js";
import { Tensor } from "../tensor.js";

const GRADCHECK_OPTIONS = ["eps", "atol", "rtol", "seed", "throwOnFailure", "dtype"];
const GRADGRADCHECK_OPTIONS = ["eps", "atol", "rtol", "seed", "throwOnFailure"];

/** Step size, tolerances and failure behaviour of `gradcheck`. */
export interface GradcheckOptions {
  /**
   * The precision to check in. "float64" (the default) checks on the CPU in float64, where
   * differences are exact enough to pin a rule down. "float32" keeps each float input on its
   * own device in float32 (a GPU has no float64): the forward and backward run there, the
   * finite differences too, with float32's wider step and tolerances as defaults.
   */
  readonly dtype?: "float64" | "float32";
  /** Finite-difference step. Default 1e-6; 1e-3 in float32. */
  readonly eps?: number;
  /** Absolute tolerance. Default 1e-5; 1e-2 in float32. */
  readonly atol?: number;
  /** Relative tolerance. Default 1e-3; 1e-2 in float32. */
  readonly rtol?: number;
  /** Seed of the random upstream gradient. Default 0. */
  readonly seed?: number;
  /** Throw a `GradcheckError` on failure (default) or just report it. */
  readonly throwOnFailure?: boolean;
}

/** Where the analytic and numeric gradients disagreed most. */
export interface GradcheckMismatch {
  /** Which argument of `f`. */
  readonly input: number;
  /** That argument's shape. */
  readonly inputShape: readonly number[];
  /** Flat index of the worst element. */
  readonly index: number;
  /** The same element's multi-index. */
  readonly position: readonly number[];
  /** The backward rule's gradient at that element. */
  readonly analytic: number;
  /** The central finite-difference estimate at that element. */
  readonly numeric: number;
  /** The tolerance that element had to meet: atol + rtol·|numeric|. */
  readonly tolerance: number;
}

/** What `gradcheck` found, returned when it does not throw. */
export interface GradcheckReport {
  /** Whether every element was within tolerance. */
  readonly passed: boolean;
  /** The largest |analytic − numeric| seen. */
  readonly maxError: number;
  /** The element that failed worst, relative to its tolerance; undefined if all passed. */
  readonly worst: GradcheckMismatch | undefined;
  /** The ops on the tape between the inputs and the output (to say which may be wrong). */
  readonly ops: readonly string[];
}

/** Thrown by `gradcheck` when a backward rule disagrees with finite differences. */
export class GradcheckError extends TensortapeError {
  override name = "GradcheckError";
  constructor(
    /** The full report, with the worst element and the ops on the tape. */
    readonly report: GradcheckReport,
  ) {
    const w = report.worst!;
    super(
      `gradcheck: the analytic gradient of input ${w.input} ${formatShape(w.inputShape)} differs from finite differences ` +
        `at index [${w.position.join(", ")}]: analytic ${w.analytic}, numeric ${w.numeric}, ` +
        `|difference| ${Math.abs(w.analytic - w.numeric)} > tolerance ${w.tolerance}` +
        `\nops between the inputs and the output: ${report.ops.join(", ") || "(none)"}`,
    );
  }
}

function positionOf(index: number, shape: readonly number[]): number[] {
  const position = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    position[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return position;
}

function randomLike(t: Tensor, generator: Generator): Tensor {
  const data = new Float64Array(t.size);
  // Values in ±[0.5, 1.5]: non-uniform, so a rule that mixes elements up cannot hide.
  for (let i = 0; i < data.length; i++)
    data[i] = (generator.uniform() + 0.5) * (generator.uniform() < 0.5 ? -1 : 1);
  return new Tensor(data, t.shape, "float64");
}

/** randomLike's values in t's float dtype, on t's device. */
function upstreamLike(t: Tensor, generator: Generator): Tensor {
  const v = randomLike(t, generator);
  if (t.dtype === "float64" && t.device === "cpu") return v;
  return tensor(Float32Array.from(v.data), { shape: t.shape, device: t.device });
}

function opsOnTape(output: Tensor): string[] {
  const names = new Set<string>();
  const stack = [output];
  const seen = new Set<Tensor>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || !t.node) continue;
    seen.add(t);
    names.add(t.node.op);
    stack.push(...t.node.inputs);
  }
  return [...names];
}

/** Float inputs become float64 leaves that require grad; others (indices) pass unchanged. */
function prepare(inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((x) =>
    isFloat(x.dtype) ? new Tensor(Float64Array.from(x.data), x.shape, "float64", true) : x,
  );
}

/** Float inputs become float32 leaves on their own device; others pass unchanged. */
function prepareFloat32(inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((x) =>
    isFloat(x.dtype)
      ? tensor(Float32Array.from(x.data), { shape: x.shape, device: x.device, requiresGrad: true })
      : x,
  );
}

/**
 * Checks the gradients of `f` at `inputs` against central finite differences in float64:
 * for a random upstream gradient v, compares ∂(v·f)/∂x from the backward pass with
 * ((v·f)(x + ε) − (v·f)(x − ε)) / 2ε for every element of every float input. With
 * `{ dtype: "float32" }` it checks in float32 on the inputs' device instead (a GPU's).
 *
 * @example
 * gradcheck((x) => x.tanh().sum(), [randn([3])]); // throws GradcheckError if tanh's rule were wrong
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  checkOptions("gradcheck", options, GRADCHECK_OPTIONS);
  const dtype = options.dtype ?? "float64";
  if (dtype !== "float64" && dtype !== "float32") {
    throw new ValueError("gradcheck", `dtype must be "float64" or "float32"; got ${String(dtype)}`);
  }
  const single = dtype === "float32";
  const eps = options.eps ?? (single ? 1e-3 : 1e-6);
  const atol = options.atol ?? (single ? 1e-2 : 1e-5);
  const rtol = options.rtol ?? (single ? 1e-2 : 1e-3);
  const xs = single ? prepareFloat32(inputs) : prepare(inputs);
  const output = f(...xs);
  const v = upstreamLike(output, new Generator(options.seed ?? 0));
  const vData = v.data;
  const checked = xs.filter((x) => x.requiresGrad);
  const analytic = gradients(output, checked, v, { retainGraph: false });
  // v·f summed in float64 on the host, so the sum adds no rounding of its own.
  const weightedSum = (args: Tensor[]) => {
    const y = f(...args).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * vData[i]!;
    return s;
  };
  let maxError = 0;
  let worst: GradcheckMismatch | undefined;
  let worstRatio = 1;
  checked.forEach((x, k) => {
    const grad = analytic[k]!.data;
    const at = xs.indexOf(x);
    // float64 inputs on the CPU are perturbed in place. float32 ones are copied with one
    // element moved (a device's data cannot be written through .data), and the step is what
    // float32 rounding left of ±ε.
    const data = single ? Float32Array.from(x.data) : x.data;
    const evaluate = (position: number, shifted: number) => {
      if (!single) {
        data[position] = shifted;
        return weightedSum(xs);
      }
      const moved = Float32Array.from(data);
      moved[position] = shifted;
      const args = [...xs];
      args[at] = tensor(moved, { shape: x.shape, device: x.device });
      return weightedSum(args);
    };
    for (let i = 0; i < data.length; i++) {
      const original = data[i]!;
      const plus = evaluate(i, original + eps);
      const minus = evaluate(i, original - eps);
      if (!single) data[i] = original;
      const step = single ? Math.fround(original + eps) - Math.fround(original - eps) : 2 * eps;
      const numeric = (plus - minus) / step;
      const error = Math.abs(grad[i]! - numeric);
      const tolerance = atol + rtol * Math.abs(numeric);
      maxError = Math.max(maxError, Number.isNaN(error) ? Number.POSITIVE_INFINITY : error);
      const ratio = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error / tolerance;
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = {
          input: xs.indexOf(x),
          inputShape: x.shape,
          index: i,
          position: positionOf(i, x.shape),
          analytic: grad[i]!,
          numeric,
          tolerance,
        };
      }
    }
  });
  const report: GradcheckReport = {
    passed: worst === undefined,
    maxError,
    worst,
    ops: opsOnTape(f(...xs)),
  };
  if (!report.passed && options.throwOnFailure !== false) throw new GradcheckError(report);
  return report;
}

/**
 * Checks second derivatives: gradchecks x ↦ Σ_i ⟨∂(v·f)/∂x_i, u_i⟩ for random v and u_i, whose
 * gradient is a Hessian-vector product computed by differentiating the backward pass.
 */
export function gradgradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  checkOptions("gradgradcheck", options, GRADGRADCHECK_OPTIONS);
  const generator = new Generator((options.seed ?? 0) + 1);
  const xs = prepare(inputs);
  const v = randomLike(f(...xs), generator);
  const us = xs.map((x) => randomLike(x, generator));
  const firstDerivative = (...args: Tensor[]) => {
    const y = f(...args);
    const targets = args.filter((a) => a.requiresGrad);
    const grads = gradients(y, targets, v, { createGraph: true });
    return grads.reduce<Tensor>(
      (acc, g, i) => add(acc, sum(mul(g, us[args.indexOf(targets[i]!)]!))),
      Tensor.scalar(0, "float64"),
    );
  };
  return gradcheck(firstDerivative, xs, options);
}
