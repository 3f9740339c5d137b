/**
 * gradcheck in float32 on the GPU (`{ dtype: "float32" }`): composite graphs (an MLP layer with
 * softmax cross-entropy, convolution with pooling, attention) whose forward, backward and
 * finite differences all run on the webgpu device, within float32's step and tolerances; and
 * a rule that is wrong by 5% at one element is still caught there.
 */
import {
  conv2d,
  defineOp,
  gather,
  initBackend,
  maxPool2d,
  scaledDotProductAttention,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { GradcheckError, gradcheck, randomTensor } from "@tensortape/core/testing";
import { beforeAll, describe, expect, test } from "vitest";

beforeAll(async () => {
  await initBackend("webgpu");
});

let seed = 1;
/** A float32 tensor in [low, high) on the GPU, reproducible from the running seed. */
const r = (shape: number[], low = -1, high = 1) =>
  randomTensor(shape, { seed: seed++, low, high }).cast("float32").to("webgpu");

describe("gradcheck in float32 on the GPU", () => {
  test("an MLP layer with softmax cross-entropy", () => {
    const targets = tensor([2, 0, 1, 2], { dtype: "int32", device: "webgpu" });
    const loss = (x: Tensor, w: Tensor, b: Tensor) => {
      const logits = x.matmul(w).add(b).tanh().mul(2);
      const picked = gather(logits.logSoftmax(), 1, targets.reshape([4, 1]));
      return picked.mean().neg();
    };
    const report = gradcheck(loss, [r([4, 5]), r([5, 3]), r([3])], { dtype: "float32" });
    expect(report.passed).toBe(true);
    expect(report.ops).toEqual(expect.arrayContaining(["matmul", "logSoftmax", "gather"]));
  });

  test("convolution, then max pooling", () => {
    // tanh before the pool keeps the window maxima apart (no near-ties a step could swap).
    const f = (x: Tensor, w: Tensor, b: Tensor) =>
      maxPool2d(conv2d(x, w, b, { padding: 1 }).tanh(), 2);
    const report = gradcheck(f, [r([1, 2, 4, 4]), r([3, 2, 3, 3]), r([3])], { dtype: "float32" });
    expect(report.passed).toBe(true);
    expect(report.ops).toEqual(expect.arrayContaining(["tanh", "maxPool2d"]));
  });

  test("causal attention over two heads", () => {
    const f = (q: Tensor, k: Tensor, v: Tensor) =>
      scaledDotProductAttention(q, k, v, { isCausal: true });
    const report = gradcheck(f, [r([2, 3, 4]), r([2, 3, 4]), r([2, 3, 2])], { dtype: "float32" });
    expect(report.passed).toBe(true);
    expect(report.ops).toContain("scaledDotProductAttention");
  });

  test("the inputs, the output and the gradients stay on the GPU in float32", () => {
    const seen: Tensor[] = [];
    const f = (x: Tensor) => {
      seen.push(x);
      return x.exp().sum();
    };
    gradcheck(f, [r([3])], { dtype: "float32" });
    for (const x of seen) {
      expect(x.device).toBe("webgpu");
      expect(x.dtype).toBe("float32");
    }
  });

  test("a rule wrong by 5% at one element fails", () => {
    // a·σ(b), with the gradient for b scaled by 1.05 at flat index 2 only.
    const wrong = defineOp({
      name: "gatedWrong",
      forward: ([a, b]) => a!.mul(b!.sigmoid()),
      backward: (g, { inputs: [a, b] }) => {
        const s = b!.sigmoid();
        const bump = tensor([1, 1, 1.05, 1], { device: "webgpu" });
        return [g.mul(s), g.mul(a!).mul(s).mul(s.neg().add(1)).mul(bump)];
      },
    });
    const a = r([4], 1, 2);
    const b = r([4]);
    let error: unknown;
    try {
      gradcheck((x, y) => wrong(x!, y!), [a, b], { dtype: "float32" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradcheckError);
    const worst = (error as GradcheckError).report.worst!;
    expect([worst.input, worst.index]).toEqual([1, 2]);
  });
});
