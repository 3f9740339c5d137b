import { checkOptions, ValueError } from "../errors.js";
import { identity } from "../ops/identity.js";
import { Tensor, type TensorLike } from "../tensor.js";
import { toTensors } from "./apply.js";
import { gradients } from "./backward.js";
import { enableGrad, isGradEnabled } from "./grad-mode.js";

/** Which arguments `grad` and `valueAndGrad` differentiate. */
export interface GradOptions {
  /** Which arguments to differentiate with respect to: an index, or several. Default: all. */
  readonly argnums?: number | readonly number[];
}

type Differentiable = (...args: Tensor[]) => Tensor;

/**
 * Evaluates `f` and its gradients. Each differentiated argument is traced through a fresh
 * tensor, so no `.grad` is touched and no state is left behind; when an argument already
 * belongs to an outer graph (a `grad` of a `grad`), the gradient stays on the tape so the
 * outer transformation can differentiate it.
 */
function evaluate(
  name: string,
  f: Differentiable,
  args: readonly TensorLike[],
  argnums: readonly number[],
): { value: Tensor; grads: Tensor[] } {
  const inputs = toTensors(name, args);
  for (const i of argnums) {
    if (!Number.isInteger(i) || i < 0 || i >= inputs.length) {
      throw new ValueError(
        name,
        `argnums names argument ${i}, but the function got ${inputs.length}`,
      );
    }
  }
  const nested = isGradEnabled() && argnums.some((i) => inputs[i]!.requiresGrad);
  const traced = inputs.slice();
  for (const i of argnums) {
    const x = inputs[i]!;
    traced[i] = nested && x.requiresGrad ? identity(x) : x.detach().requireGrad();
  }
  return enableGrad(() => {
    const value = f(...traced);
    if (!(value instanceof Tensor)) {
      throw new ValueError(name, "the function must return a Tensor");
    }
    const grads = gradients(
      value,
      argnums.map((i) => traced[i]!),
      undefined,
      { createGraph: nested, retainGraph: nested },
    );
    return { value: nested ? value : value.detach(), grads };
  });
}

function resolveArgnums(options: GradOptions | undefined, count: number): number[] {
  checkOptions("grad", options, ["argnums"]);
  const argnums = options?.argnums;
  if (argnums === undefined) return Array.from({ length: count }, (_, i) => i);
  return typeof argnums === "number" ? [argnums] : [...argnums];
}

function pick(
  options: GradOptions | undefined,
  argCount: number,
  grads: Tensor[],
): Tensor | Tensor[] {
  const single =
    typeof options?.argnums === "number" || (options?.argnums === undefined && argCount === 1);
  return single ? grads[0]! : grads;
}

/**
 * The gradient of a scalar function, as a function (JAX's `grad`). For a function of one
 * tensor it returns one tensor; with several arguments, one gradient per argument (or per
 * index in `argnums`). Gradients can be nested: `grad(grad(f))` is the second derivative.
 *
 * @example
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([2])); // tensor([12.])
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike) => Tensor;
export function grad(
  f: Differentiable,
  options: { argnums: number },
): (...args: TensorLike[]) => Tensor;
export function grad(f: Differentiable, options?: GradOptions): (...args: TensorLike[]) => Tensor[];
export function grad(f: Differentiable, options?: GradOptions) {
  return (...args: TensorLike[]) => {
    const { grads } = evaluate("grad", f, args, resolveArgnums(options, args.length));
    return pick(options, args.length, grads);
  };
}

/** Like `grad`, but returns `[value, gradient(s)]` from one evaluation of `f`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike) => [Tensor, Tensor];
export function valueAndGrad(
  f: Differentiable,
  options: { argnums: number },
): (...args: TensorLike[]) => [Tensor, Tensor];
export function valueAndGrad(
  f: Differentiable,
  options?: GradOptions,
): (...args: TensorLike[]) => [Tensor, Tensor[]];
export function valueAndGrad(f: Differentiable, options?: GradOptions) {
  return (...args: TensorLike[]) => {
    const { value, grads } = evaluate(
      "valueAndGrad",
      f,
      args,
      resolveArgnums(options, args.length),
    );
    return [value, pick(options, args.length, grads)];
  };
}
