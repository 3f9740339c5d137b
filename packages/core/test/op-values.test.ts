/** Forward values of the ops on small inputs, with expected values a reader can check by hand. */
import {
  arange,
  argmax,
  concat,
  DeviceError,
  gather,
  logSoftmax,
  matmul,
  scatterAdd,
  slice,
  softmax,
  stack,
  tensor,
  where,
} from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { onGpu, widestFloat } from "./on-device.js";

const i32 = (data: number[][] | number[]) => tensor(data, { dtype: "int32" });

describe("elementwise", () => {
  test("arithmetic broadcasts a row over a matrix", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([10, 20, 30]);
    expect(a.add(b).toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(a.sub(b).toArray()).toEqual([
      [-9, -18, -27],
      [-6, -15, -24],
    ]);
    expect(a.mul(b).toArray()).toEqual([
      [10, 40, 90],
      [40, 100, 180],
    ]);
    expect(b.div(a).toArray()).toEqual([
      [10, 10, 10],
      [2.5, 4, 5],
    ]);
    expect(a.pow(2).toArray()).toEqual([
      [1, 4, 9],
      [16, 25, 36],
    ]);
  });

  test("a column broadcasts against a row into an outer sum", () => {
    const col = tensor([[1], [2]]);
    const row = tensor([10, 20, 30]);
    expect(col.add(row).toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
  });

  test("unary functions", () => {
    const x = tensor([-2, 0, 3], { dtype: widestFloat });
    expect(x.neg().toArray()).toEqual([2, -0, -3]);
    expect(x.abs().toArray()).toEqual([2, 0, 3]);
    expect(x.relu().toArray()).toEqual([0, 0, 3]);
    expect(x.sign().toArray()).toEqual([-1, 0, 1]);
    assertClose(x.exp(), [Math.exp(-2), 1, Math.exp(3)]);
    assertClose(x.sigmoid(), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))]);
    assertClose(x.tanh(), [Math.tanh(-2), 0, Math.tanh(3)]);
    assertClose(tensor([1, 4, 9]).sqrt(), [1, 2, 3]);
    assertClose(tensor([1, Math.E, Math.E ** 2], { dtype: widestFloat }).log(), [0, 1, 2]);
    expect(x.clamp(-1, 1).toArray()).toEqual([-1, 0, 1]);
  });

  test("sigmoid saturates without overflow for ±1000", () => {
    expect(tensor([-1000, 1000]).sigmoid().toArray()).toEqual([0, 1]);
  });

  test("maximum and minimum", () => {
    const a = tensor([1, 5, 3]);
    expect(a.maximum(3).toArray()).toEqual([3, 5, 3]);
    expect(a.minimum(3).toArray()).toEqual([1, 3, 3]);
  });

  test("comparisons give bool tensors", () => {
    const a = tensor([1, 2, 3]);
    const lt2 = a.lt(2);
    expect(lt2.dtype).toBe("bool");
    expect(lt2.toArray()).toEqual([1, 0, 0]);
    expect(a.ge(2).toArray()).toEqual([0, 1, 1]);
    expect(a.eq(tensor([1, 0, 3])).toArray()).toEqual([1, 0, 1]);
    expect(a.ne(2).toArray()).toEqual([1, 0, 1]);
    expect(a.gt(2).toArray()).toEqual([0, 0, 1]);
    expect(a.le(2).toArray()).toEqual([1, 1, 0]);
  });

  test("where picks per element, and masks", () => {
    const x = tensor([-1, 2, -3, 4]);
    expect(where(x.gt(0), x, 0).toArray()).toEqual([0, 2, 0, 4]);
    expect(where(x.gt(0), 1, tensor([[10], [20]])).toArray()).toEqual([
      [10, 1, 10, 1],
      [20, 1, 20, 1],
    ]);
  });

  test("integer arithmetic stays int32, true division gives float32", () => {
    const a = i32([7, -7]);
    expect(a.add(1).dtype).toBe("int32");
    expect(a.add(1).toArray()).toEqual([8, -6]);
    expect(a.div(2).dtype).toBe("float32");
    expect(a.div(2).toArray()).toEqual([3.5, -3.5]);
    expect(a.add(0.5).dtype).toBe("float32");
    expect(
      tensor([1.5])
        .mul(i32([2]))
        .toArray(),
    ).toEqual([3]);
  });
});

describe("reductions", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  test("sum, mean, max, min over all, one and several axes", () => {
    expect(x.sum().item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(1, true).toArray()).toEqual([[6], [15]]);
    expect(x.sum([0, 1]).item()).toBe(21);
    expect(x.mean().item()).toBe(3.5);
    expect(x.mean(1).toArray()).toEqual([2, 5]);
    expect(x.max().item()).toBe(6);
    expect(x.max(0).toArray()).toEqual([4, 5, 6]);
    expect(x.min(1).toArray()).toEqual([1, 4]);
    expect(x.max(-1, true).shape).toEqual([2, 1]);
  });

  test("argmax and argmin, ties picking the first", () => {
    expect(
      argmax(
        tensor([
          [1, 3, 3],
          [7, 0, 7],
        ]),
        1,
      ).toArray(),
    ).toEqual([1, 0]);
    expect(
      tensor([
        [1, 3],
        [0, 9],
      ])
        .argmax()
        .item(),
    ).toBe(3);
    expect(
      tensor([
        [1, 3],
        [0, 9],
      ])
        .argmin(0)
        .toArray(),
    ).toEqual([1, 0]);
  });

  test("logsumexp is stable and exact", () => {
    assertClose(tensor([1000, 1000]).logsumexp(), [1000 + Math.log(2)]);
    assertClose(tensor([-1000, -1000]).logsumexp(), [-1000 + Math.log(2)]);
    expect(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]).logsumexp().item()).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });
});

describe("softmax and logSoftmax", () => {
  test("softmax of [0, log 3] is [1/4, 3/4]", () => {
    assertClose(softmax(tensor([0, Math.log(3)])), [0.25, 0.75]);
  });

  test("rows sum to 1 along the chosen axis", () => {
    const s = softmax(
      tensor([
        [1, 2],
        [3, 5],
      ]),
      0,
    );
    assertClose(s.sum(0), [1, 1]);
  });

  test("logits of ±1000 give finite values and gradients", () => {
    const x = tensor(
      [
        [1000, -1000, 0],
        [-1000, -1000, -1000],
      ],
      { requiresGrad: true },
    );
    const y = logSoftmax(x);
    assertClose(
      y,
      [
        [0, -2000, -1000],
        [-Math.log(3), -Math.log(3), -Math.log(3)],
      ],
      { atol: 1e-3 },
    );
    y.gather(1, i32([[0], [1]]))
      .sum()
      .backward();
    for (const v of x.grad!.data) expect(Number.isFinite(v)).toBe(true);
    // ∂/∂x of log softmax(x)_t = onehot(t) − softmax(x)
    assertClose(
      x.grad!,
      [
        [0, 0, 0],
        [-1 / 3, 2 / 3, -1 / 3],
      ],
      { atol: 1e-6 },
    );
  });
});

describe("matmul", () => {
  test("2-D product by hand", () => {
    // [[1, 2], [3, 4]]·[[5, 6], [7, 8]] = [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]]
    expect(
      matmul(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([
          [5, 6],
          [7, 8],
        ]),
      ).toArray(),
    ).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  test("transpose flags read the operands transposed", () => {
    const a = tensor([
      [1, 3],
      [2, 4],
    ]); // aᵀ = [[1, 2], [3, 4]]
    const b = tensor([
      [5, 7],
      [6, 8],
    ]); // bᵀ = [[5, 6], [7, 8]]
    expect(matmul(a, b, { transA: true, transB: true }).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  test("batch dimensions broadcast and vectors drop their axis", () => {
    const a = arange(12).cast("float32").reshape([2, 2, 3]);
    const b = tensor([[1], [0], [-1]]);
    expect(matmul(a, b).toArray()).toEqual([
      [[-2], [-2]],
      [[-2], [-2]],
    ]);
    expect(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item()).toBe(32);
    expect(matmul(tensor([[1, 2, 3]]), tensor([1, 1, 1])).toArray()).toEqual([6]);
  });
});

describe("shape ops", () => {
  const x = arange(6).reshape([2, 3]);
  test("reshape, transpose, permute", () => {
    expect(x.reshape([3, -1]).toArray()).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(x.transpose().toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(x.T.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(arange(24).reshape([2, 3, 4]).permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    // Output [k, i, j] reads input [i, j, k] = 12i + 4j + k: the first row is k = 0, i = 0.
    expect(arange(24).reshape([2, 3, 4]).permute(2, 0, 1).slice([0, 0], [1, 1]).toArray()).toEqual([
      [[0, 4, 8]],
    ]);
  });

  test("slice follows Python's rules", () => {
    const v = arange(10);
    expect(slice(v, [2], [5]).toArray()).toEqual([2, 3, 4]);
    expect(slice(v, [-3]).toArray()).toEqual([7, 8, 9]);
    expect(slice(v, [1], [null], [3]).toArray()).toEqual([1, 4, 7]);
    expect(slice(v, [8], [100]).toArray()).toEqual([8, 9]);
    expect(slice(v, [5], [2]).shape).toEqual([0]);
    expect(slice(x, [0, 1], [1, null]).toArray()).toEqual([[1, 2]]);
  });

  test("concat and stack", () => {
    expect(concat([x, tensor([[6, 7, 8]], { dtype: "int32" })]).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  test("gather and scatterAdd are transposes of each other", () => {
    const m = tensor([
      [10, 11, 12],
      [20, 21, 22],
    ]);
    const index = i32([
      [2, 0],
      [1, 1],
    ]);
    expect(gather(m, 1, index).toArray()).toEqual([
      [12, 10],
      [21, 21],
    ]);
    expect(
      scatterAdd(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        1,
        index,
        [2, 3],
      ).toArray(),
    ).toEqual([
      [2, 0, 1],
      [0, 7, 0],
    ]);
  });

  test("squeeze, unsqueeze, flatten, broadcastTo", () => {
    expect(x.unsqueeze(1).shape).toEqual([2, 1, 3]);
    expect(x.unsqueeze(1).squeeze().shape).toEqual([2, 3]);
    expect(arange(24).reshape([2, 3, 4]).flatten(1).shape).toEqual([2, 12]);
    expect(tensor([1, 2]).broadcastTo([2, 2]).toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  test("cast converts and truncates", () => {
    expect(tensor([1.7, -1.7, 0]).cast("int32").toArray()).toEqual([1, -1, 0]);
    expect(tensor([1.7, -1.7, 0]).cast("bool").toArray()).toEqual([1, 1, 0]);
    if (onGpu) {
      // WebGPU has no float64: the cast is refused, naming the op and the fix.
      expect(() => tensor([1.5]).cast("float64")).toThrow(DeviceError);
    } else {
      expect(tensor([1.5]).cast("float64").dtype).toBe("float64");
    }
  });
});
