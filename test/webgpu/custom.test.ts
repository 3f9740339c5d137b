/**
 * Users' ops on the GPU: a defineOp written with tensor ops runs there with no extra code,
 * and a defineKernel runs its WGSL on GPU tensors and its CPU loop on CPU tensors.
 */
import {
  defineKernel,
  defineOp,
  initBackend,
  manualSeed,
  randn,
  type Tensor,
} from "@tensortape/core";
import { beforeAll, expect, test } from "vitest";

beforeAll(async () => {
  await initBackend("webgpu");
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
};

test("a defineOp made of tensor ops runs on the GPU, backward included, with no extra code", () => {
  const softplus = defineOp({
    name: "softplus",
    forward: ([x]) => x!.exp().add(1).log(),
    backward: (g, { inputs: [x] }) => [g.mul(x!.sigmoid())],
  });
  const cpu = randn([3, 5]).requireGrad();
  const gpu = cpu.detach().to("webgpu").requireGrad();
  softplus(cpu).sum().backward();
  const y = softplus(gpu);
  expect(y.device).toBe("webgpu");
  y.sum().backward();
  expect(gpu.grad!.device).toBe("webgpu");
  close(gpu.grad!.data, cpu.grad!.data);
});

const swish = defineKernel({
  name: "swish",
  wgsl: "fn compute(i: u32) -> f32 { let x = input0(i); return x / (1.0 + exp(-x)); }",
  cpu: ([x], out) => {
    for (let i = 0; i < out.length; i++) out[i] = x![i]! / (1 + Math.exp(-x![i]!));
  },
});

test("a defineKernel runs its WGSL on the GPU and its loop on the CPU, with the same values", () => {
  const x = randn([1000]);
  const onCpu = swish(x);
  const onGpu = swish(x.to("webgpu"));
  expect(onCpu.device).toBe("cpu");
  expect(onGpu.device).toBe("webgpu");
  close(onGpu.data, onCpu.data);
});

test("a kernel with two inputs, its own output shape, inside a differentiable op", () => {
  // Row sums of a [rows, cols] matrix scaled by a per-row factor: out[r] = s[r]·Σ_c x[r, c].
  const scaledRowSum = defineKernel({
    name: "scaledRowSum",
    wgsl: `fn compute(i: u32) -> f32 {
  let cols = length0() / outputLength();
  var total = 0.0;
  for (var c = 0u; c < cols; c++) { total += input0(i * cols + c); }
  return input1(i) * total;
}`,
    cpu: ([x, s], out) => {
      const cols = x!.length / out.length;
      for (let r = 0; r < out.length; r++) {
        let total = 0;
        for (let c = 0; c < cols; c++) total += x![r * cols + c]!;
        out[r] = s![r]! * total;
      }
    },
    output: ([x]) => ({ shape: [x!.shape[0]!], dtype: x!.dtype }),
  });
  const op = defineOp({
    name: "scaledRowSumOp",
    forward: ([x, s]) => scaledRowSum(x!, s!),
    // d/dx = g[r]·s[r] on every column of row r; d/ds = g[r]·Σ_c x[r, c]
    backward: (g, { inputs: [x, s] }) => [
      g.mul(s!).reshape([-1, 1]).expand(x!.shape),
      g.mul(x!.sum(1)),
    ],
  });
  const grads = (device: "cpu" | "webgpu"): Tensor[] => {
    manualSeed(3);
    const x = randn([4, 6]).to(device).requireGrad();
    const s = randn([4]).to(device).requireGrad();
    op(x, s).square().sum().backward();
    return [x.grad!, s.grad!];
  };
  const [cx, cs] = grads("cpu");
  const [gx, gs] = grads("webgpu");
  close(gx!.data, cx!.data, 1e-4);
  close(gs!.data, cs!.data, 1e-4);
});
