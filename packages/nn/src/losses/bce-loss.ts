import { checkOnDevice, defineOp, noGrad, type Tensor, ValueError } from "@tensortape/core";
import { checkBroadcastWeight, requireSameShape } from "./checks.js";
import { type LossOptions, lossOptions, type Reduction, reduce } from "./reduction.js";

/** PyTorch's kernel's floor for x·(1 − x): 1e-12 as a float32 constant, in every dtype. */
const EPSILON = Math.fround(1e-12);

/**
 * A fused op, for numerical stability at the edges and to match PyTorch's gradients there: the
 * composite −y·max(log x, −100) − (1 − y)·max(log(1 − x), −100) has the right values, but its
 * gradient is 0/0 = NaN at x = 0 or 1 (the clamp zeroes g, then log's rule divides by x = 0),
 * where PyTorch's kernel divides by max(x·(1 − x), 1e-12) and stays finite.
 */
const bceOp = defineOp({
  name: "bceLoss",
  // (y − 1)·max(log(1 − x), −100) − y·max(log x, −100), PyTorch's kernel
  forward: ([x, y]) =>
    y!
      .sub(1)
      .mul(x!.neg().log1p().clamp(-100))
      .sub(y!.mul(x!.log().clamp(-100))),
  backward: (g, { inputs: [x, y] }) => [
    // d/dx = (x − y) / max(x·(1 − x), ε)
    x!.requiresGrad ? g.mul(x!.sub(y!)).div(x!.neg().add(1).mul(x!).clamp(EPSILON)) : null,
    // d/dy = −logit(x) = −log(x / (1 − x)), unclamped as in PyTorch
    y!.requiresGrad ? g.mul(x!.div(x!.neg().add(1)).log().neg()) : null,
  ],
});

/** Options of `bceLoss` and `BCELoss`. */
export interface BCELossOptions extends LossOptions {
  /** Multiplies each element's loss; broadcasts to the input's shape. Default: none. */
  readonly weight?: Tensor;
}

/** Options checked and filled in with PyTorch's defaults. */
export interface CheckedBCELossOptions {
  readonly weight: Tensor | undefined;
  readonly reduction: Reduction;
}

/** Checks bceLoss's options under the name `op` (the function's or the module's). */
export function bceLossOptions(
  op: string,
  options: BCELossOptions | undefined,
): CheckedBCELossOptions {
  const reduction = lossOptions(op, options, ["weight"]);
  return { weight: options?.weight ?? undefined, reduction };
}

/**
 * Binary cross-entropy of targets y given probabilities x ∈ [0, 1], as PyTorch's
 * `binary_cross_entropy`: −w·(y·log x + (1 − y)·log(1 − x)), each log clamped at −100 so that
 * x = 0 or 1 gives a finite loss. The gradient is w·(x − y) / max(x·(1 − x), 1e-12), as
 * PyTorch's. Inputs outside [0, 1] (or NaN) are an error, as in PyTorch; for logits use
 * `binaryCrossEntropyWithLogits`, which is also more accurate.
 * input: [...S], target: [...S], weight broadcasting to [...S] → [] (or [...S] with reduction "none")
 * @example bceLoss(tensor([0.5]), tensor([1])) // tensor(0.6931) = log 2
 */
export function bceLoss(input: Tensor, target: Tensor, options: BCELossOptions = {}): Tensor {
  return bceLossWith("bceLoss", input, target, bceLossOptions("bceLoss", options));
}

/** bceLoss with checked options, naming `op` in errors (BCELoss calls it too). */
export function bceLossWith(
  op: string,
  input: Tensor,
  target: Tensor,
  options: CheckedBCELossOptions,
): Tensor {
  requireSameShape(op, input, target);
  const weight = checkBroadcastWeight(op, "weight", options.weight, input);
  const outOfRange = noGrad(() => input.ge(0).logicalAnd(input.le(1)).all().logicalNot());
  const problem = "every input must be a probability in [0, 1]";
  const hint = "for logits use binaryCrossEntropyWithLogits, or apply sigmoid first";
  // On a device the check stays there and reports at the next read, costing no wait.
  if (input.device !== "cpu") checkOnDevice(op, outOfRange, `${problem}\nhint: ${hint}`);
  else if (outOfRange.item()) throw new ValueError(op, problem, hint);
  const loss = bceOp(input, target);
  return reduce(op, weight ? loss.mul(weight) : loss, options.reduction);
}
