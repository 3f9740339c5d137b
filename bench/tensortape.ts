/**
 * The benchmark's workloads written with tensortape's core ops: an MLP (matmul, add, relu,
 * logSoftmax and gather for the cross-entropy, mean) and SGD or Adam as plain typed-array
 * loops over the parameters. Nothing is freed by hand.
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
import type { Framework, Optimizer, Trainer } from "./framework.js";

function forward(params: readonly Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = add(matmul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = relu(h);
  }
  return h;
}

/**
 * One Adam update of one parameter array (β = 0.9, 0.999; ε = 1e-8) at step t:
 * d −= lr·m̂ / (√v̂ + ε) with m̂ = m / (1 − 0.9ᵗ), v̂ = v / (1 − 0.999ᵗ), rearranged to one
 * division and one square root per element.
 */
function adamUpdate(
  d: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  t: number,
): void {
  const step = lr / (1 - 0.9 ** t);
  const scale = 1 / Math.sqrt(1 - 0.999 ** t);
  for (let i = 0; i < d.length; i++) {
    const gi = g[i]!;
    const mi = 0.9 * m[i]! + 0.1 * gi;
    const vi = 0.999 * v[i]! + 0.001 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    d[i] = d[i]! - (step * mi) / (Math.sqrt(vi) * scale + 1e-8);
  }
}

/** Updates parameters in place from their gradients and clears the gradients. */
function optimizerFor(params: readonly Tensor[], { kind, lr }: Optimizer): () => void {
  const data = params.map((p) => p.data as Float32Array);
  const grad = (k: number) => params[k]!.grad!.data as Float32Array;
  if (kind === "sgd") {
    return () => {
      for (let k = 0; k < params.length; k++) {
        const d = data[k]!;
        const g = grad(k);
        for (let i = 0; i < d.length; i++) d[i] = d[i]! - lr * g[i]!;
        params[k]!.grad = null;
      }
    };
  }
  const m = params.map((p) => new Float32Array(p.size));
  const v = params.map((p) => new Float32Array(p.size));
  let t = 0;
  return () => {
    t++;
    for (let k = 0; k < params.length; k++) {
      adamUpdate(data[k]!, grad(k), m[k]!, v[k]!, lr, t);
      params[k]!.grad = null;
    }
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
  };
}
