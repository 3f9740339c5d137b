import {
  DTypeError,
  formatShape,
  isFloat,
  ShapeError,
  shapesEqual,
  Tensor,
  ValueError,
} from "@tensortape/core";

/** Throws a DTypeError naming the loss unless `input` is float32 or float64. */
export function requireFloat(op: string, name: string, t: Tensor): void {
  if (!isFloat(t.dtype)) {
    throw new DTypeError(op, `${name} must be float32 or float64`, { [name]: t.dtype });
  }
}

/**
 * Throws unless input and target have the same shape and the same float dtype. PyTorch broadcasts
 * them with a warning; here [N, 1] against [N], the classic silent bug, is an error.
 */
export function requireSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      op,
      "input and target must have the same shape",
      { input: input.shape, target: target.shape },
      undefined,
      "reshape one of them, e.g. prediction.reshape([-1]) for [N, 1] against [N]",
    );
  }
  requireFloat(op, "input", input);
  if (target.dtype !== input.dtype) {
    throw new DTypeError(
      op,
      "target must have the input's dtype",
      { input: input.dtype, target: target.dtype },
      `use target.cast("${input.dtype}")`,
    );
  }
}

/** Whether `from` broadcasts to `to` without growing it (NumPy's rules, right-aligned). */
function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[i + offset]);
}

/**
 * Checks an optional weight tensor that multiplies the per-element loss: a tensor of the
 * input's dtype whose shape broadcasts to the input's (`name` is how the loss calls it).
 */
export function checkBroadcastWeight(
  op: string,
  name: string,
  weight: Tensor | undefined | null,
  input: Tensor,
): Tensor | undefined {
  if (weight === undefined || weight === null) return undefined;
  checkTensorOption(op, name, weight);
  if (!broadcastsTo(weight.shape, input.shape)) {
    throw new ShapeError(op, `${name} must broadcast to the input's shape`, {
      input: input.shape,
      [name]: weight.shape,
    });
  }
  requireWeightDtype(op, name, weight, input);
  return weight;
}

/**
 * Checks an optional per-class weight for a loss over class axis `classAxis`: [C], of the
 * input's dtype. PyTorch's message: "weight tensor should be defined either for all C classes
 * or no classes".
 */
export function checkClassWeight(
  op: string,
  weight: Tensor | undefined | null,
  input: Tensor,
  classAxis: number,
): Tensor | undefined {
  if (weight === undefined || weight === null) return undefined;
  checkTensorOption(op, "weight", weight);
  const classes = input.shape[classAxis]!;
  if (weight.rank !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      op,
      `weight must have one entry per class, [C] = ${formatShape([classes])} (the class axis is axis ${classAxis})`,
      { input: input.shape, weight: weight.shape },
    );
  }
  requireWeightDtype(op, "weight", weight, input);
  return weight;
}

/** Throws unless an option meant to be a tensor is one (a plain array is a common slip). */
export function checkTensorOption(op: string, name: string, value: unknown): void {
  if (!(value instanceof Tensor)) {
    throw new ValueError(
      op,
      `${name} must be a Tensor; got ${Array.isArray(value) ? "an array" : typeof value}`,
      Array.isArray(value) ? `wrap it: tensor([...], { dtype: "float32" })` : undefined,
    );
  }
}

function requireWeightDtype(op: string, name: string, weight: Tensor, input: Tensor): void {
  if (weight.dtype !== input.dtype) {
    throw new DTypeError(
      op,
      `${name} must have the input's dtype`,
      { input: input.dtype, [name]: weight.dtype },
      `use ${name}.cast("${input.dtype}")`,
    );
  }
}

/**
 * Returns `value` if it is a number that passes `check`; otherwise throws a ValueError naming
 * the loss and the option and saying what was `expected` ("a number in [0, 1]").
 */
export function checkNumberOption(
  op: string,
  name: string,
  value: unknown,
  check: (v: number) => boolean,
  expected: string,
): number {
  if (typeof value !== "number" || !check(value)) {
    throw new ValueError(op, `${name} must be ${expected}; got ${String(value)}`);
  }
  return value;
}
