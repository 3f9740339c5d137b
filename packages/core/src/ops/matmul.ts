import { applyOp, type OpSpec } from "../autograd/apply.js";
import { getBackend } from "../backend/registry.js";
import { checkOptions, ShapeError, ValueError } from "../errors.js";
import { broadcastShapes, broadcastStrides, sizeOf } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { asFloat } from "./elementwise/float-kernels.js";
import { arithmeticDtype, contiguousView, empty, requireFloat } from "./kernels.js";
import { reshape } from "./reshape.js";

/** How `matmul` reads its operands: either may be used transposed, without a copy. */
export interface MatmulOptions {
  /** Use aᵀ (a's last two axes swapped) without copying it. */
  readonly transA?: boolean;
  /** Use bᵀ (b's last two axes swapped) without copying it. */
  readonly transB?: boolean;
  /**
   * Multiplies the product by this number, with the bits of `mul(matmul(a, b), scale)` but
   * without its pass over the output (attention's scale·q·kᵀ). Float operands only.
   */
  readonly scale?: number;
}

interface MatmulAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
  /** Multiplies the product; 1 for none. */
  readonly scale: number;
}

/** The shape rule: [..., M, K] · [..., K, N] → [broadcast(...), M, N], honouring transposes. */
function matmulShape(a: Tensor, b: Tensor, { transA, transB }: MatmulAttrs) {
  const [ar, br] = [a.rank, b.rank];
  const m = a.shape[ar - (transA ? 1 : 2)]!;
  const k = a.shape[ar - (transA ? 2 : 1)]!;
  const kb = b.shape[br - (transB ? 1 : 2)]!;
  const n = b.shape[br - (transB ? 2 : 1)]!;
  if (k !== kb) {
    const flags = transA || transB ? `, transA=${transA}, transB=${transB}` : "";
    throw new ShapeError(
      "matmul",
      "inner dimensions differ",
      { a: a.shape, b: b.shape },
      `${k} ≠ ${kb}${flags}`,
    );
  }
  const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { m, k, n, batch };
}

/** Element offset of every matrix in a broadcast batch. */
function batchOffsets(shape: readonly number[], batch: readonly number[]): number[] {
  const matrix = shape[shape.length - 1]! * shape[shape.length - 2]!;
  const strides = broadcastStrides(shape.slice(0, -2), batch);
  const count = sizeOf(batch);
  const offsets = new Array<number>(count);
  for (let p = 0; p < count; p++) {
    let rest = p;
    let offset = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      offset += (rest % batch[d]!) * strides[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    offsets[p] = offset * matrix;
  }
  return offsets;
}

const matmulOp: OpSpec<MatmulAttrs> = {
  name: "matmul",
  // Batch dimensions broadcast; the engine sums gradients back over them.
  broadcast: true,
  forward: ([a, b], attrs) => {
    const { m, k, n, batch } = matmulShape(a, b, attrs);
    const out = empty([...batch, m, n], arithmeticDtype("matmul", a, b));
    // int32 operands: a device's kernel (WebGPU's) multiplies them in int32, wrapping as
    // PyTorch's int32 product does, and has no float64. The CPU kernels take floats only:
    // there they multiply in float64, exact while the sums stay below 2^53, and the result
    // wraps to int32 — the same values.
    const integers = out.dtype === "int32" && out.device === "cpu";
    const product = integers ? empty(out.shape, "float64") : out;
    const [left, right] = integers ? [asFloat(a, "float64"), asFloat(b, "float64")] : [a, b];
    getBackend().matmul(left.storage, right.storage, product.storage, {
      aOffsets: batchOffsets(a.shape, batch),
      bOffsets: batchOffsets(b.shape, batch),
      m,
      k,
      n,
      transA: attrs.transA,
      transB: attrs.transB,
      ...(attrs.scale !== 1 ? { scale: attrs.scale } : {}),
    });
    if (integers) getBackend().copy(contiguousView(product), contiguousView(out), out.shape);
    return out;
  },
  // For C = s·op(A)·op(B): ∂J/∂op(A) = s·g·op(B)ᵀ and ∂J/∂op(B) = s·op(A)ᵀ·g, each expressed
  // as one matmul with transpose flags (and the same scale) so that no transposed copy is ever
  // made.
  backward: (g, { inputs: [a, b], attrs: { transA, transB, scale } }) => [
    a.requiresGrad
      ? transA
        ? matmul(b, g, { transA: transB, transB: true, scale }) // dA = (g·op(B)ᵀ)ᵀ = op(B)·gᵀ
        : matmul(g, b, { transB: !transB, scale }) // dA = g·op(B)ᵀ
      : null,
    b.requiresGrad
      ? transB
        ? matmul(g, a, { transA: true, transB: transA, scale }) // dB = (op(A)ᵀ·g)ᵀ = gᵀ·op(A)
        : matmul(a, g, { transA: !transA, scale }) // dB = op(A)ᵀ·g
      : null,
  ],
};

/**
 * Matrix product with NumPy semantics: batch dimensions broadcast, and a 1-D operand is
 * treated as a row (a) or column (b) vector whose axis is then dropped. Two int32 operands
 * give int32 (exact while every sum stays below 2^53).
 * a: [..., M, K], b: [..., K, N] → [..., M, N]
 * @example matmul(tensor([[1, 2]]), tensor([[3], [4]])) // tensor([[11.]])
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions("matmul", options, ["transA", "transB", "scale"]);
  const scale = options.scale ?? 1;
  if (typeof scale !== "number") {
    throw new ValueError("matmul", `scale must be a number; got ${String(scale)}`);
  }
  // Two int32 operands multiply as int32, as in PyTorch; otherwise both must be float (and
  // must be to be scaled).
  if (a.dtype !== "int32" || b.dtype !== "int32" || scale !== 1) {
    requireFloat("matmul", a);
    requireFloat("matmul", b);
  }
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      "matmul",
      "operands must have at least one dimension",
      { a: a.shape, b: b.shape },
      undefined,
      "use mul() to scale by a scalar",
    );
  }
  const attrs = { transA: options.transA === true, transB: options.transB === true, scale };
  const aVector = a.rank === 1;
  const bVector = b.rank === 1;
  const k = a.shape[a.rank - 1]!;
  if (a.rank > 2 && b.rank === 2 && !attrs.transA && b.shape[attrs.transB ? 1 : 0] === k) {
    // A batch of matrices times one matrix (a linear layer on [B, T, C]) is one product of
    // B·T rows: its backward then forms the weight's gradient as one product of depth B·T,
    // where a batched backward made B products and summed them over the batch.
    const rows = reshape(a, [sizeOf(a.shape.slice(0, -1)), k]);
    const out = applyOp(matmulOp, [rows, b], attrs);
    return reshape(out, [...a.shape.slice(0, -1), out.shape[1]!]);
  }
  const a2 = aVector ? reshape(a, [1, a.size]) : a;
  const b2 = bVector ? reshape(b, [b.size, 1]) : b;
  const out = applyOp(matmulOp, [a2, b2], attrs);
  if (!aVector && !bVector) return out;
  const shape = out.shape.slice(0, -2);
  if (!aVector) shape.push(out.shape[out.rank - 2]!);
  if (!bVector) shape.push(out.shape[out.rank - 1]!);
  return reshape(out, shape);
}
