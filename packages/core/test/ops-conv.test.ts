/**
 * Convolution, pooling, im2col and interpolation against PyTorch 2.13 in float64
 * (fixtures/ops-conv.json, written by ops-conv.py): values, indices and gradients over the
 * options that change the arithmetic (stride, padding and its modes, dilation, groups,
 * depthwise, 1×1, ceil mode, output padding, countIncludePad, unbatched inputs); then
 * hand-derived cases and the typed errors. The webgpu-ops project runs this file again on the
 * GPU, in float32 (on-device.ts); first and second derivatives against finite differences,
 * which need float64, and the CPU's batch chunking are in ops-conv-float64.test.ts.
 */
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  arange,
  avgPool1d,
  avgPool2d,
  builtinOps,
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  fold,
  interpolate,
  maxPool1d,
  maxPool2d,
  OptionError,
  ones,
  ShapeError,
  type Tensor,
  tensor,
  unfold,
  ValueError,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import fixture from "./fixtures/ops-conv.json" with { type: "json" };
import { onGpu, widestFloat } from "./on-device.js";

type Json = number | string | null | Json[] | { readonly [key: string]: Json };
interface Case {
  readonly op: string;
  readonly args: readonly Json[];
  readonly options: Record<string, Json>;
  readonly inputs: readonly (number | string)[][];
  readonly inputShapes: readonly number[][];
  readonly outputs: readonly (number | string)[][];
  readonly shapes: readonly number[][];
  readonly upstream?: readonly (number | string)[];
  readonly grads?: readonly (number | string)[][];
}

const decode = (v: string | number) =>
  v === "nan" ? Number.NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);

/** Calls the case's op: {"input": i} in the arguments stands for input tensor i. */
function call(c: Case, inputs: readonly Tensor[]): Tensor[] {
  const args = c.args.map((a) =>
    a !== null && typeof a === "object" && !Array.isArray(a) && "input" in a
      ? inputs[a.input as number]!
      : a,
  );
  const f = builtinOps[c.op as keyof typeof builtinOps] as (...xs: unknown[]) => unknown;
  const out = f(...args, c.options);
  if (out !== null && typeof out === "object" && "indices" in out) {
    const { values, indices } = out as { values: Tensor; indices: Tensor };
    return [values, indices];
  }
  return [out as Tensor];
}

/** float64's tolerance on the CPU; float32's on the GPU. */
const tolerance = onGpu ? 1e-4 : 1e-10;

function expectValues(actual: Tensor, expected: readonly (number | string)[], label: string) {
  expect(actual.size, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = decode(expected[i]!);
    const a = actual.data[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${label} [${i}]`).toBe(true);
    } else if (Math.abs(a - e) > tolerance + tolerance * Math.abs(e)) {
      expect.fail(`${label} [${i}]: ${a}, PyTorch gives ${e} (tolerance ${tolerance})`);
    }
  }
}

describe("matches PyTorch 2.13 in float64", () => {
  for (const [name, c] of Object.entries(fixture as unknown as Record<string, Case>)) {
    test(name, () => {
      const inputs = c.inputs.map((data, i) =>
        tensor(data.map(decode), { dtype: widestFloat, shape: c.inputShapes[i] }).requireGrad(),
      );
      const outputs = call(c, inputs);
      expect(outputs.length).toBe(c.outputs.length);
      outputs.forEach((out, k) => {
        expect(out.shape, `output ${k} shape`).toEqual(c.shapes[k]);
        if (k > 0) {
          expect(out.dtype).toBe("int32");
          expect(Array.from(out.data)).toEqual(c.outputs[k]!.map(decode));
        } else {
          expectValues(out, c.outputs[k]!, `output ${k}`);
        }
      });
      if (!c.upstream) return;
      const g = tensor(c.upstream.map(decode), { dtype: widestFloat, shape: c.shapes[0] });
      outputs[0]!.backward(g);
      for (const [i, x] of inputs.entries()) {
        expectValues(x.grad!, c.grads![i]!, `gradient of input ${i}`);
      }
    });
  }
});

describe("hand-derived values", () => {
  test("conv1d is a cross-correlation, bias added per channel", () => {
    // [1, 2, 3, 4] with kernel [1, −1]: 1 − 2, 2 − 3, 3 − 4, then + 10
    const y = conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]]), tensor([10]));
    expect(Array.from(y.data)).toEqual([9, 9, 9]);
  });

  test("conv2d with zero padding sums the 3×3 neighbourhood of ones", () => {
    // Corners see 4 ones, edges 6, the centre 9.
    const y = conv2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), null, { padding: 1 });
    expect(Array.from(y.data)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  test("convTranspose1d spreads each input element over the kernel", () => {
    // 1·[1, 1] at 0 and 2·[1, 1] at 1 overlap in the middle: [1, 1 + 2, 2]
    const y = convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 1]]]));
    expect(Array.from(y.data)).toEqual([1, 3, 2]);
  });

  test("maxPool2d returns each window's maximum and its flat position", () => {
    const x = arange(0, 16, 1, { dtype: widestFloat }).reshape([1, 1, 4, 4]);
    const { values, indices } = maxPool2d(x, 2, { returnIndices: true });
    expect(Array.from(values.data)).toEqual([5, 7, 13, 15]);
    expect(Array.from(indices.data)).toEqual([5, 7, 13, 15]);
  });

  test("avgPool1d with padding counts the padding unless told not to", () => {
    // Windows [0, 1, 2], [2, 3, 0] padded: sums 3 and 5 over 3, or over the 2 real elements.
    const x = tensor([[[1, 2, 3]]], { dtype: widestFloat });
    const include = avgPool1d(x, 3, { stride: 2, padding: 1 }).data;
    expect(include[0]).toBe(1);
    // 5/3 rounded to the dtype: float64 exactly, float32 on the GPU.
    expect(include[1]).toBeCloseTo(5 / 3, onGpu ? 6 : 15);
    const exclude = avgPool1d(x, 3, { stride: 2, padding: 1, countIncludePad: false });
    expect(Array.from(exclude.data)).toEqual([1.5, 2.5]);
  });

  test("unfold then fold with non-overlapping blocks gives the input back", () => {
    const x = arange(0, 24, 1, { dtype: widestFloat }).reshape([1, 2, 3, 4]);
    const cols = unfold(x, [1, 2], { stride: [1, 2] });
    expect(cols.shape).toEqual([1, 4, 6]);
    expect(Array.from(fold(cols, [3, 4], [1, 2], { stride: [1, 2] }).data)).toEqual(
      Array.from(x.data),
    );
  });

  test("fold adds overlapping blocks: each element once per block that covers it", () => {
    // 2×2 blocks of ones at stride 1 over a 3×3 output: corners 1, edges 2, centre 4.
    expect(Array.from(fold(ones([1, 4, 4]), 3, 2).data)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  test("interpolate nearest doubles each element", () => {
    expect(Array.from(interpolate(tensor([[[1, 2]]]), { scaleFactor: 2 }).data)).toEqual([
      1, 1, 2, 2,
    ]);
  });

  test("adaptive pooling over the whole plane is the mean and the maximum", () => {
    const x = tensor([
      [
        [1, 5],
        [3, 7],
      ],
    ]);
    expect(Array.from(adaptiveAvgPool2d(x, 1).data)).toEqual([4]);
    expect(Array.from(adaptiveMaxPool2d(x, 1).data)).toEqual([7]);
    expect(Array.from(adaptiveAvgPool1d(tensor([[1, 3, 2, 0]]), 2).data)).toEqual([2, 1]);
  });

  test("float32 in, float32 out", () => {
    const x = ones([1, 2, 4, 4], { dtype: "float32" });
    expect(conv2d(x, ones([3, 2, 3, 3], { dtype: "float32" })).dtype).toBe("float32");
    expect(maxPool2d(x, 2).dtype).toBe("float32");
    expect(avgPool2d(x, 2).dtype).toBe("float32");
  });

  test("an empty batch gives an empty output of the right shape", () => {
    const x = tensor([], { dtype: widestFloat, shape: [0, 2, 5, 5] });
    expect(conv2d(x, ones([3, 2, 3, 3], { dtype: widestFloat })).shape).toEqual([0, 3, 3, 3]);
    expect(maxPool2d(x, 2).shape).toEqual([0, 2, 2, 2]);
    expect(unfold(x, 2).shape).toEqual([0, 8, 16]);
  });
});

describe("typed errors", () => {
  const x = ones([2, 3, 5, 5], { dtype: widestFloat });
  const catchError = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error("expected an error");
  };

  test("channels not divisible by groups name the op and both shapes", () => {
    const e = catchError(() =>
      conv2d(x, ones([4, 1, 3, 3], { dtype: widestFloat }), null, { groups: 2 }),
    );
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as ShapeError).op).toBe("conv2d");
    expect((e as ShapeError).shapes).toEqual({ x: [2, 3, 5, 5], weight: [4, 1, 3, 3] });
    expect((e as Error).message).toBe(
      "conv2d: channels must be divisible by groups; got x [2, 3, 5, 5] and weight [4, 1, 3, 3] (3 input and 4 output channels, groups=2)",
    );
  });

  test("a weight for other input channels", () => {
    const e = catchError(() => conv2d(x, ones([4, 2, 3, 3], { dtype: widestFloat })));
    expect((e as Error).message).toBe(
      "conv2d: x must have 2 channels to match the weight; got x [2, 3, 5, 5] and weight [4, 2, 3, 3] (weight [out, in / groups, ...kernel] with groups=1 takes 2, x has 3)",
    );
  });

  test("a kernel larger than the padded input", () => {
    const e = catchError(() =>
      conv2d(x, ones([4, 3, 7, 3], { dtype: widestFloat }), null, { padding: [0, 1] }),
    );
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe(
      "conv2d: the kernel is larger than the padded input; got x [2, 3, 5, 5] and weight [4, 3, 7, 3] (padded input [5, 7], kernel [7, 3] spanning [7, 3] with dilation)",
    );
    const dilated = catchError(() =>
      conv1d(
        ones([1, 1, 4], { dtype: widestFloat }),
        ones([1, 1, 2], { dtype: widestFloat }),
        null,
        {
          dilation: 4,
        },
      ),
    );
    expect((dilated as ShapeError).shapes).toEqual({ x: [1, 1, 4], weight: [1, 1, 2] });
  });

  test("a weight of the wrong rank", () => {
    const e = catchError(() => conv2d(x, ones([4, 3, 3], { dtype: widestFloat })));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe(
      "conv2d: weight must be 4-D [out, in / groups, kh, kw]; got x [2, 3, 5, 5] and weight [4, 3, 3] (rank 3)",
    );
    const e1 = catchError(() => conv1d(ones([2, 3, 5]), ones([4, 3, 3, 3])));
    expect((e1 as ShapeError).op).toBe("conv1d");
  });

  test("an input of the wrong rank names both shapes", () => {
    const e = catchError(() => conv2d(ones([5, 5]), ones([1, 1, 3, 3])));
    expect((e as Error).message).toBe(
      "conv2d: expects a 4-D input [N, C, H, W] or an unbatched 3-D one [C, H, W]; got x [5, 5] and weight [1, 1, 3, 3] (rank 2)",
    );
  });

  test("a bias of the wrong length", () => {
    const e = catchError(() =>
      conv2d(x, ones([4, 3, 3, 3], { dtype: widestFloat }), ones([3], { dtype: widestFloat })),
    );
    expect((e as ShapeError).shapes).toEqual({ x: [2, 3, 5, 5], weight: [4, 3, 3, 3], bias: [3] });
  });

  test("transposed convolutions check groups and output padding", () => {
    const w = ones([3, 2, 3, 3], { dtype: widestFloat });
    expect(() => convTranspose2d(x, w, null, { groups: 2 })).toThrow(ShapeError);
    expect(() => convTranspose2d(x, w, null, { stride: 2, outputPadding: 2 })).toThrow(
      "convTranspose2d: outputPadding must be smaller than either stride or dilation",
    );
  });

  test("pooling: padding beyond half the kernel, windows larger than the input", () => {
    expect(() => maxPool2d(x, 3, { padding: 2 })).toThrow(ValueError);
    expect(() => maxPool2d(x, 3, { padding: 2 })).toThrow(
      "maxPool2d: padding must be at most half",
    );
    const e = catchError(() => avgPool2d(x, 7));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as ShapeError).op).toBe("avgPool2d");
    expect(() => maxPool1d(ones([2, 3]), 4)).toThrow("maxPool1d: the output would be empty");
  });

  test("options: unknown keys, bad padding strings, same with a stride", () => {
    expect(() => conv2d(x, ones([1, 3, 3, 3]), null, { strides: 2 } as never)).toThrow(OptionError);
    const w = ones([1, 3, 3, 3], { dtype: widestFloat });
    expect(() => conv2d(x, w, null, { padding: "full" } as never)).toThrow(ValueError);
    expect(() => conv2d(x, w, null, { padding: "same", stride: 2 })).toThrow(
      'conv2d: padding "same" needs stride 1',
    );
    expect(() => conv2d(x, w, null, { stride: [1, 2, 3] })).toThrow(
      "conv2d: stride must be a number or an array of 2 (one per spatial axis); got [1, 2, 3]",
    );
  });

  test("unfold and fold check their block counts", () => {
    expect(() => unfold(x, 6)).toThrow("unfold: the kernel does not fit in the padded input");
    expect(() => fold(ones([1, 12, 12]), [4, 5], [2, 3])).toThrow(
      "fold: the last axis must hold one column per block position",
    );
    expect(() => fold(ones([1, 10, 9]), [4, 5], [2, 3])).toThrow(
      "fold: the second axis must be a multiple of the kernel's 6 taps",
    );
  });

  test("interpolate: one of size and scaleFactor, bilinear on 4-D only", () => {
    expect(() => interpolate(x, {})).toThrow("exactly one of size and scaleFactor");
    expect(() => interpolate(ones([1, 2, 3]), { size: 4, mode: "bilinear" })).toThrow(ShapeError);
    expect(() => interpolate(x, { size: 4, alignCorners: true })).toThrow(ValueError);
  });
});
