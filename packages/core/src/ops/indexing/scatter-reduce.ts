import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { cloneStorage } from "../../device.js";
import { checkOptions, DTypeError, ValueError } from "../../errors.js";
import { normalizeAxis, stridesOf } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { cast } from "../cast.js";
import { eq } from "../comparison.js";
import { div } from "../div.js";
import { gather } from "../gather.js";
import { asTensor, contiguousView } from "../kernels.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { booleanOption } from "../sorting/sort.js";
import { where } from "../where.js";
import { checkScatter, coveredPart, scatter } from "./scatter.js";

/** The reductions `scatterReduce` offers, as PyTorch names them. */
export type ScatterReduction = "sum" | "prod" | "mean" | "amax" | "amin";
const REDUCTIONS: readonly ScatterReduction[] = ["sum", "prod", "mean", "amax", "amin"];

/** Options of `scatterReduce`. */
export interface ScatterReduceOptions {
  /** Whether x's own values take part in the reduction at the positions written. Default true. */
  readonly includeSelf?: boolean;
}

interface ScatterReduceAttrs {
  readonly axis: number;
  readonly reduce: ScatterReduction;
  readonly includeSelf: boolean;
}

const scatterReduceOp: OpSpec<ScatterReduceAttrs> = {
  name: "scatterReduce",
  forward: ([x, index, src], { axis, reduce, includeSelf }) => {
    const out = new Tensor(cloneStorage(x.storage), x.shape, x.dtype);
    getBackend().scatterReduce(
      reduce,
      contiguousView(src!),
      contiguousView(index!),
      out.storage,
      stridesOf(x.shape),
      index!.shape,
      axis,
      includeSelf,
    );
    return out;
  },
  // PyTorch's scatter_reduce_backward, written with differentiable ops.
  backward: (g, { inputs: [x, index, src], output, attrs: { axis, reduce, includeSelf } }) => {
    const i = index!;
    const s = src!;
    const again = (self: Tensor, from: Tensor, op: ScatterReduction) =>
      scatterReduce(self, axis, i, from, op, { includeSelf });
    let dx: Tensor;
    let dsrc: Tensor;
    if (reduce === "sum") {
      // d/dx = g; d/dsrc = g read back from each element's target
      dx = g;
      dsrc = gather(g, axis, i);
    } else if (reduce === "prod") {
      // d/dx = g · out / x, with the product recomputed over x's nonzero stand-in where x = 0
      const maskedSelf = where(eq(x!, 0), 1, x!);
      dx = div(mul(g, again(maskedSelf, s, "prod")), maskedSelf);
      // d/dsrc = g · out / src, and for a lone zero among its target's factors the product of
      // the others (recomputed with that zero replaced by 1)
      const srcZero = eq(s, 0);
      const zerosAtTarget = gather(
        scatterReduce(x!.zerosLike(), axis, i, cast(srcZero, g.dtype), "sum"),
        axis,
        i,
      );
      const singleZero = mul(srcZero, eq(zerosAtTarget, 1));
      const withoutZero = again(x!, where(singleZero, 1, s), "prod");
      dsrc = where(
        singleZero,
        gather(mul(g, withoutZero), axis, i),
        div(gather(mul(g, output), axis, i), where(srcZero, 1, s)),
      );
    } else if (reduce === "mean") {
      // d/dx = g / N, d/dsrc = g / N at the target, N the count each target averaged
      const start = includeSelf ? x!.onesLike() : x!.zerosLike();
      const counted = scatterReduce(start, axis, i, s.onesLike(), "sum");
      const n = where(eq(counted, 0), 1, counted);
      dx = div(g, n);
      dsrc = div(gather(g, axis, i), gather(n, axis, i));
    } else {
      // amax / amin: g shared evenly among the elements equal to the result, x's own only
      // where it took part (PyTorch counts an excluded x too; see docs/ops.md)
      const value = gather(output, axis, i);
      let selfIsResult = cast(eq(x!, output), g.dtype);
      if (!includeSelf) selfIsResult = scatter(selfIsResult, axis, i, 0);
      const srcIsResult = cast(eq(s, value), g.dtype);
      const share = div(g, scatterReduce(selfIsResult, axis, i, srcIsResult, "sum"));
      dx = mul(selfIsResult, share);
      dsrc = mul(srcIsResult, gather(share, axis, i));
    }
    // x's own values at the written positions did not take part without includeSelf
    if (!includeSelf) dx = scatter(dx, axis, i, 0);
    return [dx, null, dsrc];
  },
};

/**
 * x with the elements of `src` reduced into the positions `index` names along `axis`:
 * out[i][index[i][j]] = reduce(out[i][index[i][j]], src[i][j]) for axis 1 (PyTorch's
 * `scatter_reduce`), x's own value taking part unless `includeSelf` is false. `amax`/`amin`
 * propagate NaN; an int32 `mean` divides with floor. Gradients follow PyTorch's
 * scatter_reduce backward: ties of amax/amin share g evenly among the elements equal to the
 * result. Second derivatives of `prod` are wrong where two or more zeros meet at one target
 * (PyTorch refuses them there).
 * x: [N, C], index: [N, K] (int32), src: [N, K] → [N, C]
 * @example scatterReduce(tensor([1, 1]), 0, tensor([0, 0, 1], { dtype: "int32" }), tensor([2, 3, 4]), "prod") // tensor([6., 4.])
 */
export function scatterReduce(
  x: TensorLike,
  axis: number,
  index: Tensor,
  src: Tensor,
  reduce: ScatterReduction,
  options: ScatterReduceOptions = {},
): Tensor {
  checkOptions("scatterReduce", options, ["includeSelf"]);
  const t = asTensor(x);
  if (!REDUCTIONS.includes(reduce)) {
    throw new ValueError(
      "scatterReduce",
      `reduce must be one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}; got "${String(reduce)}"`,
    );
  }
  const includeSelf = booleanOption("scatterReduce", "includeSelf", options.includeSelf, true);
  const ax = normalizeAxis("scatterReduce", axis, t.shape);
  checkScatter("scatterReduce", t, ax, index, src);
  if (t.dtype === "bool") {
    if (reduce === "mean") {
      throw new DTypeError("scatterReduce", `"mean" expects a float or int32 tensor`, {
        x: t.dtype,
      });
    }
    // Bools reduce as 0 and 1, as PyTorch's: sum and amax give their or, prod and amin their
    // and, once read back as bool (nonzero).
    const asInt = (u: Tensor) => cast(u, "int32");
    return cast(scatterReduce(asInt(t), ax, index, asInt(src), reduce, options), "bool");
  }
  if (t.rank === 0) {
    const flat = (u: Tensor) => reshape(u, [1]);
    return reshape(scatterReduce(flat(t), 0, flat(index), flat(src), reduce, options), []);
  }
  return applyOp(scatterReduceOp, [t, index, coveredPart(src, index)], {
    axis: ax,
    reduce,
    includeSelf,
  });
}
