import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { ShapeError, ValueError } from "../../errors.js";
import { sizeOf } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { arithmeticDtype, empty, requireFloat } from "../kernels.js";
import { matmul } from "../matmul.js";
import { reshape } from "../reshape.js";
import { sum } from "../sum.js";

const linearOp: OpSpec = {
  name: "linear",
  forward: ([x, weight, bias]) => {
    const [rows, inFeatures] = x!.shape as [number, number];
    const outFeatures = weight!.shape[0]!;
    const out = empty([rows, outFeatures], arithmeticDtype("linear", x!, weight!));
    // The bias is added as each product is copied out (one pass fewer than matmul, then add).
    getBackend().matmul(
      x!.storage,
      weight!.storage,
      out.storage,
      {
        aOffsets: [0],
        bOffsets: [0],
        m: rows,
        k: inFeatures,
        n: outFeatures,
        transA: false,
        transB: true,
        ...(bias ? { biasAxis: "cols" as const } : {}),
      },
      bias?.storage,
    );
    return out;
  },
  // y = x·Wᵀ + b: dx = g·W, dW = gᵀ·x, db = Σ over rows of g.
  backward: (g, { inputs: [x, weight, bias] }) => {
    const dx = x!.requiresGrad ? matmul(g, weight!) : null;
    const dWeight = weight!.requiresGrad ? matmul(g, x!, { transA: true }) : null;
    if (!bias) return [dx, dWeight];
    return [dx, dWeight, bias.requiresGrad ? sum(g, 0) : null];
  },
};

/**
 * A linear map of the last axis, as PyTorch's `F.linear`: x·weightᵀ + bias, the bias added in
 * the same kernel call as the product.
 * x: [..., in], weight: [out, in], bias: [out] → [..., out]
 * @example linear(ones([2, 3]), ones([4, 3]), zeros([4])).shape // [2, 4]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  for (const [name, t] of [
    ["x", x],
    ["weight", weight],
    ["bias", bias ?? undefined],
  ] as const) {
    if (t !== undefined && !(t instanceof Tensor)) {
      throw new ValueError("linear", `${name} must be a Tensor; got ${typeof t}`);
    }
    if (t) requireFloat("linear", t);
  }
  const shapes: Record<string, readonly number[]> = { x: x.shape, weight: weight.shape };
  if (bias) shapes.bias = bias.shape;
  if (weight.rank !== 2) {
    throw new ShapeError("linear", "weight must be 2-D [out, in]", shapes);
  }
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  if (x.rank === 0 || x.shape[x.rank - 1] !== inFeatures) {
    throw new ShapeError(
      "linear",
      `x's last dimension must be weight's in = ${inFeatures}`,
      shapes,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) {
    throw new ShapeError(
      "linear",
      `bias must be 1-D with weight's out = ${outFeatures} values`,
      shapes,
    );
  }
  arithmeticDtype("linear", x, weight);
  if (bias) arithmeticDtype("linear", x, bias);
  // Every leading axis is a row of one product.
  const rows = reshape(x, [sizeOf(x.shape.slice(0, -1)), inFeatures]);
  const out = applyOp(linearOp, bias ? [rows, weight, bias] : [rows, weight], undefined);
  return reshape(out, [...x.shape.slice(0, -1), outFeatures]);
}
