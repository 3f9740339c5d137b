/**
 * scaledDotProductAttention as one op against the same attention composed from ops (matmul,
 * scale, mask, softmax, matmul), forward and backward, float32, on a few shapes of
 * [batch, heads, L, headDim], with a causal mask; and the elements of the [..., L, S]
 * intermediates each keeps for its backward (the op: the weights P; the composition: the
 * scores, the masked scores and P).
 *
 *     pnpm run-ts bench/attention.ts [seconds per case]
 */
import {
  add,
  matmul,
  mul,
  scaledDotProductAttention,
  setNumThreads,
  softmax,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { randomTensor } from "@tensortape/core/testing";
import { medianMs } from "./measure.js";

const seconds = Number(process.argv[2] ?? 2);
setNumThreads(1);

function causal(l: number): Tensor {
  const values = new Float32Array(l * l);
  for (let i = 0; i < l; i++) for (let j = i + 1; j < l; j++) values[i * l + j] = -Infinity;
  return tensor(values, { shape: [l, l] });
}

function composed(q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor {
  const e = q.shape[q.rank - 1]!;
  const scores = add(mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(e)), mask);
  return matmul(softmax(scores, -1), v);
}

console.log("shape [N, H, L, E]        op fwd+bwd   composed fwd+bwd   ratio");
for (const [n, h, l, e] of [
  [8, 4, 32, 16],
  [4, 8, 128, 64],
  [1, 8, 512, 64],
]) {
  let seed = 1;
  const make = () =>
    randomTensor([n!, h!, l!, e!], {
      seed: seed++,
      dtype: "float32",
      low: -1,
      high: 1,
    }).requireGrad();
  const [q, k, v] = [make(), make(), make()];
  const mask = causal(l!);
  const g = randomTensor([n!, h!, l!, e!], { seed: seed++, dtype: "float32" });
  const run = (f: () => Tensor) => () => {
    for (const t of [q, k, v]) t.grad = null;
    f().backward(g);
  };
  const op = medianMs(
    run(() => scaledDotProductAttention(q, k, v, { isCausal: true })),
    { seconds, samples: 5 },
  );
  const comp = medianMs(
    run(() => composed(q, k, v, mask)),
    { seconds, samples: 5 },
  );
  const label = `[${n}, ${h}, ${l}, ${e}]`.padEnd(24);
  console.log(
    `${label}  ${op.toFixed(2).padStart(8)} ms  ${comp.toFixed(2).padStart(12)} ms     ${(comp / op).toFixed(2)}`,
  );
}
