import { applyOp, type OpSpec } from "../../autograd/apply.js";
import { getBackend } from "../../backend/registry.js";
import { checkOptions, ShapeError } from "../../errors.js";
import type { Tensor, TensorLike } from "../../tensor.js";
import { asTensor, empty, requireFloat } from "../kernels.js";
import { reshape } from "../reshape.js";
import type { UnfoldOptions } from "./unfold.js";
import { unfoldWindow } from "./unfold.js";
import { geometry, perAxis, positions, product, type SizeArg, type Window } from "./window-args.js";

const foldOp: OpSpec<Window> = {
  name: "fold",
  forward: ([cols], w) => {
    const [n, rows] = cols.shape as [number, number];
    const c = rows / product(w.kernel);
    const out = empty([n, c, ...w.inShape], cols.dtype);
    getBackend().col2im(cols.storage, out.storage, geometry(n * c, w));
    return out;
  },
  // d fold = unfold: each column reads back the gradient of the element it was added into
  backward: (g, { attrs }) => [unfoldWindow(g, attrs)],
};

/**
 * col2im over any number of spatial axes, the adjoint of `unfoldWindow`: [N, C·∏kernel,
 * ∏outShape] → [N, C, ...inShape], summing every column entry into the element it reads.
 * The op behind `fold`, `unfold`'s gradient and the transposed convolutions.
 */
export function foldWindow(cols: Tensor, w: Window): Tensor {
  return applyOp(foldOp, [cols], w);
}

/**
 * Sums sliding blocks back into a batched 2-D output (PyTorch's `torch.nn.functional.fold`,
 * col2im): the adjoint of `unfold`, adding each column entry into the output element it
 * covers; overlapping blocks add up, and entries in the padding are dropped.
 * x: [N, C·kh·kw, L] (or [C·kh·kw, L]), outputSize [H, W] → [N, C, H, W] (or [C, H, W])
 * @example fold(ones([1, 4, 1]), [2, 2], 2) // [[[[1, 1], [1, 1]]]]
 */
export function fold(
  x: TensorLike,
  outputSize: SizeArg,
  kernelSize: SizeArg,
  options: UnfoldOptions = {},
): Tensor {
  checkOptions("fold", options, ["dilation", "padding", "stride"]);
  const t = asTensor(x);
  requireFloat("fold", t);
  if (t.rank !== 2 && t.rank !== 3) {
    throw new ShapeError(
      "fold",
      "expects a 3-D input [N, C·kh·kw, L] or an unbatched 2-D one [C·kh·kw, L]",
      { x: t.shape },
      `rank ${t.rank}`,
    );
  }
  const unbatched = t.rank === 2;
  const cols = unbatched ? reshape(t, [1, ...t.shape]) : t;
  const inShape = perAxis("fold", "outputSize", outputSize, 2, 1, 1);
  const kernel = perAxis("fold", "kernelSize", kernelSize, 2, 1, 1);
  const dilation = perAxis("fold", "dilation", options.dilation, 2, 1, 1);
  const padding = perAxis("fold", "padding", options.padding, 2, 0, 0);
  const stride = perAxis("fold", "stride", options.stride, 2, 1, 1);
  const outShape = inShape.map((size, d) =>
    positions(size, padding[d]!, padding[d]!, kernel[d]!, stride[d]!, dilation[d]!),
  );
  const taps = product(kernel);
  const [, rows, blocks] = cols.shape as [number, number, number];
  if (rows % taps !== 0) {
    throw new ShapeError(
      "fold",
      `the second axis must be a multiple of the kernel's ${taps} taps`,
      { x: t.shape },
      `kernelSize [${kernel.join(", ")}]`,
    );
  }
  if (outShape.some((o) => o < 1) || blocks !== product(outShape)) {
    throw new ShapeError(
      "fold",
      "the last axis must hold one column per block position",
      { x: t.shape },
      `outputSize [${inShape.join(", ")}] with kernelSize [${kernel.join(", ")}], dilation [${dilation.join(", ")}], padding [${padding.join(", ")}], stride [${stride.join(", ")}] has [${outShape.join(", ")}] blocks, ${product(outShape)} in all, not ${blocks}`,
    );
  }
  const out = foldWindow(cols, { kernel, stride, dilation, padding, inShape, outShape });
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}
