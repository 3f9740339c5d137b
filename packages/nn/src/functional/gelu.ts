import {
  checkOptions,
  erf,
  type Tensor,
  type TensorLike,
  tanh,
  tensor,
  ValueError,
} from "@tensortape/core";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SQRT_HALF = Math.SQRT1_2;

/** GELU's two forms, as PyTorch's `approximate`: exact (with erf, the default) or tanh. */
export type GeluApproximate = "none" | "tanh";

/** Which form of GELU `gelu` computes. */
export interface GeluOptions {
  /** "none" (default): ½x(1 + erf(x/√2)); "tanh": ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  readonly approximate?: GeluApproximate;
}

/**
 * The Gaussian error linear unit, as PyTorch's `F.gelu`: exact by default, ½x(1 + erf(x/√2)),
 * or with `{ approximate: "tanh" }` the form GPT-2 and BERT used. Built from differentiable ops.
 * x: [...S] → [...S]
 * @example gelu(tensor([-1, 0, 1])) // tensor([-0.1587, 0., 0.8413])
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  checkOptions("gelu", options, ["approximate"]);
  const approximate = options.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh") {
    throw new ValueError(
      "gelu",
      `approximate must be "none" or "tanh"; got ${JSON.stringify(approximate)}`,
    );
  }
  const t = typeof x === "number" ? tensor(x) : x;
  if (approximate === "none") return t.mul(0.5).mul(erf(t.mul(SQRT_HALF)).add(1));
  const inner = t.add(t.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return t.mul(0.5).mul(tanh(inner).add(1));
}
