/**
 * The benchmark's workloads written with tensortape's core ops: an MLP (matmul, add, relu,
 * logSoftmax and gather for the cross-entropy, mean), trained with @tensortape/nn's SGD or
 * Adam. Nothing is freed by hand.
 */
import {
  add,
  gather,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  noGrad,
  relu,
  setBackend,
  setNumThreads,
  sum,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { Adam, SGD } from "@tensortape/nn";
import { convStep } from "./conv-step.js";
import type { Framework, Optimizer, Trainer } from "./framework.js";
import { gptStep } from "./gpt-step.js";

function forward(params: readonly Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = add(matmul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = relu(h);
  }
  return h;
}

/** The library's optimizer for the benchmark's choice, as a user would write it. */
function optimizerFor(params: readonly Tensor[], { kind, lr }: Optimizer): () => void {
  const optimizer = kind === "sgd" ? new SGD(params, { lr }) : new Adam(params, { lr });
  return () => {
    optimizer.step();
    optimizer.zeroGrad();
  };
}

/** tensortape on one of its backends with a given thread count. */
export function tensortape(backend: "wasm" | "reference", threads: number): Framework {
  return {
    name: backend === "wasm" ? `tensortape wasm ×${threads}` : "tensortape reference",
    async activate() {
      setBackend(backend);
      setNumThreads(threads);
    },
    matmul(a, b, n, transA) {
      const x = tensor(a, { shape: [n, n] });
      const y = tensor(b, { shape: [n, n] });
      return () => matmul(x, y, { transA });
    },
    mlp(sizes, initial, optimizer): Trainer {
      const params = initial.map((data, i) => {
        const l = i >> 1;
        const shape = i % 2 === 0 ? [sizes[l]!, sizes[l + 1]!] : [sizes[l + 1]!];
        return tensor(data.slice(), { shape, requiresGrad: true });
      });
      const update = optimizerFor(params, optimizer);
      const inputs = sizes[0]!;
      return {
        step(x, y) {
          const batch = y.length;
          const logits = forward(params, tensor(x, { shape: [batch, inputs] }));
          const labels = tensor(y, { shape: [batch, 1], dtype: "int32" });
          // Softmax cross-entropy: −mean(log softmax(logits)[label])
          neg(mean(gather(logSoftmax(logits, 1), 1, labels))).backward();
          update();
        },
        accuracy(images, labels) {
          return noGrad(() => {
            const logits = forward(params, tensor(images, { shape: [labels.length, inputs] }));
            const best = logits.argmax(1).data;
            let right = 0;
            for (let i = 0; i < labels.length; i++) if (best[i] === labels[i]) right++;
            return right / labels.length;
          });
        },
        dispose() {},
      };
    },
    tape(ops) {
      return () => {
        const x = tensor([1, 2, 3, 4], { requiresGrad: true });
        let y = x;
        for (let i = 0; i < ops; i += 2) y = mul(add(y, 0.5), 0.999);
        sum(y).backward();
      };
    },
    convStep() {
      const step = convStep();
      return () => void step();
    },
    gptStep() {
      const { step } = gptStep();
      return () => void step();
    },
  };
}
