import { applyOp, type OpSpec, toTensors } from "../../autograd/apply.js";
import { INV_SQRT_2PI } from "../../backend/reference/math.js";
import { checkOptions, ValueError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { asFloat, floatUnary } from "../elementwise/float-kernels.js";
import { exp } from "../exp.js";
import { arithmeticDtype, binaryKernel } from "../kernels.js";
import { mul } from "../mul.js";
import { sub } from "../sub.js";
import { tanh } from "../tanh.js";

/** GELU's two forms, as PyTorch's `approximate`: exact (with erf, the default) or tanh. */
export type GeluApproximate = "none" | "tanh";

/** Which form of GELU `gelu` computes. */
export interface GeluOptions {
  /** "none" (default): ½x(1 + erf(x/√2)); "tanh": ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  readonly approximate?: GeluApproximate;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** φ(x) = e^(−x²/2)/√(2π), the standard normal density, from differentiable ops. */
function normalDensity(x: Tensor): Tensor {
  return mul(exp(mul(mul(-0.5, x), x)), INV_SQRT_2PI);
}

const geluOp: OpSpec = {
  name: "gelu",
  // One kernel: the composite ½x(1 + erf(x/√2)) made five passes and saved four tensors.
  forward: ([x]) => floatUnary("gelu", x!),
  // d gelu(x) = g·(Φ(x) + x·φ(x))
  backward: (g, { inputs: [x] }) => [geluBackward(g, x!)],
};

/**
 * GELU's vector-Jacobian product g·(Φ(x) + x·φ(x)) as one kernel (the composite's backward
 * took a dozen passes over the activations: bench/gpt-kernel-times.ts). Differentiable in
 * both inputs, for second derivatives: linear in g, and d/dx (Φ + xφ) = φ(x)·(2 − x²).
 */
const geluBackwardOp: OpSpec = {
  name: "geluBackward",
  forward: ([g, x]) =>
    binaryKernel("geluBackward", "geluGrad", g!, x!, arithmeticDtype("geluBackward", g!, x!)),
  backward: (gg, { inputs: [g, x] }) => [
    g!.requiresGrad ? geluBackward(gg, x!) : null,
    x!.requiresGrad ? mul(mul(gg, g!), mul(normalDensity(x!), sub(2, mul(x!, x!)))) : null,
  ],
};

function geluBackward(g: Tensor, x: Tensor): Tensor {
  return applyOp(geluBackwardOp, [g, x], undefined);
}

/**
 * The Gaussian error linear unit, as PyTorch's `F.gelu`: exact by default, x·Φ(x) =
 * ½x(1 + erf(x/√2)), one kernel forward and one backward; or with `{ approximate: "tanh" }`
 * the form GPT-2 and BERT used, built from differentiable ops. int32 and bool inputs give
 * float32, as in PyTorch. Float64 evaluates ½x(1 + erf(x/√2)) as PyTorch writes it; float32
 * evaluates x·Φ(x) in float32 arithmetic through the normal tail, within 5.3 units in the last
 * place of the exact value, where ½x(1 + erf(x/√2)) in float32 loses the negative tail.
 * x: [...S] → [...S]
 * @example gelu(tensor([-1, 0, 1])) // tensor([-0.1587, 0., 0.8413])
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  checkOptions("gelu", options, ["approximate"]);
  const approximate = options.approximate ?? "none";
  if (approximate === "none") return applyOp(geluOp, [x], undefined);
  if (approximate !== "tanh") {
    throw new ValueError(
      "gelu",
      `approximate must be "none" or "tanh"; got ${JSON.stringify(approximate)}`,
    );
  }
  const t = asFloat(toTensors("gelu", [x])[0]!);
  const inner = mul(add(t, mul(mul(mul(t, t), t), 0.044715)), SQRT_2_OVER_PI);
  return mul(mul(t, 0.5), add(tanh(inner), 1));
}
