/**
 * int32 ops on the GPU, which has no float64 to compute them through: products multiply in
 * int32 there and wrap as PyTorch's int32 product does, giving the CPU's values exactly.
 */
import { initBackend, matmul, type Tensor, tensor } from "@tensortape/core";
import { beforeAll, expect, test } from "vitest";

beforeAll(async () => {
  await initBackend("webgpu");
});

const i32 = (values: number[], shape: number[]) => tensor(values, { dtype: "int32", shape });

/** matmul on the GPU: int32, on the GPU, and equal to the CPU's product. */
function expectSameProduct(a: Tensor, b: Tensor, options = {}) {
  const cpu = matmul(a, b, options);
  const gpu = matmul(a.to("webgpu"), b.to("webgpu"), options);
  expect(gpu.device).toBe("webgpu");
  expect(gpu.dtype).toBe("int32");
  expect(gpu.shape).toEqual(cpu.shape);
  expect(Array.from(gpu.data)).toEqual(Array.from(cpu.data));
}

test("int32 matmul by hand", () => {
  const a = i32([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = i32([7, 8, 9, 10, 11, 12], [3, 2]);
  // [1·7 + 2·9 + 3·11, 1·8 + 2·10 + 3·12; 4·7 + 5·9 + 6·11, 4·8 + 5·10 + 6·12]
  expect(matmul(a.to("webgpu"), b.to("webgpu")).toArray()).toEqual([
    [58, 64],
    [139, 154],
  ]);
});

test("int32 matmul with transposes, batches and vectors equals the CPU's", () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => ((i * 37) % 23) - 11);
  expectSameProduct(i32(values(24), [2, 3, 4]), i32(values(20), [4, 5]));
  expectSameProduct(i32(values(12), [4, 3]), i32(values(8), [2, 4]), {
    transA: true,
    transB: true,
  });
  expectSameProduct(i32(values(4), [4]), i32(values(12), [4, 3]));
});

test("int32 matmul wraps on overflow, as PyTorch's", () => {
  // (2^30 + 1)·2 + (2^30 + 1)·2 = 2^32 + 4 wraps to 4; (2^30 + 1)·1 + (2^30 + 1)·2 =
  // 3·2^30 + 3 wraps to 3 − 2^30.
  const a = i32([2 ** 30 + 1, 2 ** 30 + 1], [1, 2]);
  const b = i32([2, 1, 2, 2], [2, 2]);
  expectSameProduct(a, b);
  expect(Array.from(matmul(a.to("webgpu"), b.to("webgpu")).data)).toEqual([4, 3 - 2 ** 30]);
});
