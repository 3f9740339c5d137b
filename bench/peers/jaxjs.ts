/**
 * The same workloads in jax-js 0.1.25 (`@jax-js/jax`) on its WebAssembly device, written the
 * way jax-js asks: pure functions of arrays, `valueAndGrad` for the gradients, `jit` around
 * each training step, and the reference-counting ownership rules (every call consumes its
 * array arguments; `.ref` keeps one for later).
 *
 * jax-js is lazy: an op or a jitted call only records kernels, which run when something reads
 * a result. Every timed closure therefore ends on a synchronous read (`dataSync`, `item`),
 * which runs everything the call recorded, as TF.js's `dataSync` and tensortape's eager ops
 * do. Its wasm device runs kernels on worker threads only where `SharedArrayBuffer` and a
 * global `Worker` exist (browsers); Node has no global `Worker`, so here it runs on one thread.
 * jax-js has no optimizer in this package (its optax port is not published), so Adam and
 * AdamW are written out below with PyTorch's formulas.
 */
import {
  defaultDevice,
  grad,
  init,
  jit,
  lax,
  nn,
  numpy as np,
  random,
  tree,
  valueAndGrad,
} from "@jax-js/jax";
import type { Framework, Trainer } from "../framework.js";
import { GPT_BATCH, GPT_CONFIG } from "../gpt-config.js";

type Arr = np.Array;

let ready = false;

/** Adam's first and second moments for a list of parameters. */
type AdamState = { m: Arr[]; v: Arr[] };

const zerosLike = (params: readonly Arr[]): Arr[] =>
  params.map((p) => np.zeros(p.shape, { dtype: p.dtype }));

/**
 * One Adam (or, with `decay`, AdamW) update of every parameter, PyTorch's formulas:
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², and
 * p ← p·(1 − lr·λ) − (lr / (1−β1ᵗ))·m / (√v / √(1−β2ᵗ) + ε).
 * `stepSize` is lr / (1−β1ᵗ) and `rootBias2` is √(1−β2ᵗ), computed outside the jitted step
 * so that the step count does not retrace it. Consumes params, grads and state.
 */
function adam(
  params: Arr[],
  grads: Arr[],
  state: AdamState,
  stepSize: Arr,
  rootBias2: Arr,
  { lr, betas, decay }: { lr: number; betas: [number, number]; decay?: readonly number[] },
): [Arr[], AdamState] {
  const [b1, b2] = betas;
  const next: Arr[] = [];
  const m: Arr[] = [];
  const v: Arr[] = [];
  params.forEach((p0, i) => {
    let p = p0;
    const g = grads[i]!;
    const mi = state.m[i]!.mul(b1).add(g.ref.mul(1 - b1));
    const vi = state.v[i]!.mul(b2).add(g.ref.mul(g).mul(1 - b2));
    const wd = decay?.[i] ?? 0;
    if (wd > 0) p = p.mul(1 - lr * wd);
    const denom = np.sqrt(vi.ref).div(rootBias2.ref).add(1e-8);
    next.push(p.sub(mi.ref.mul(stepSize.ref).div(denom)));
    m.push(mi);
    v.push(vi);
  });
  stepSize.dispose();
  rootBias2.dispose();
  return [next, { m, v }];
}

/** Adam's bias corrections for step t: [lr / (1−β1ᵗ), √(1−β2ᵗ)], as scalars for `adam`. */
function biasCorrections(lr: number, [b1, b2]: [number, number], t: number): [Arr, Arr] {
  return [np.array(lr / (1 - b1 ** t)), np.array(Math.sqrt(1 - b2 ** t))];
}

/**
 * −mean(log softmax(logits)[label]) for logits [N, K] and int32 labels [N], picking the
 * label's entry with a one-hot product: `np.takeAlongAxis` would be the direct way, but in
 * jax-js 0.1.25 its gradient (a scatter) fails to compile under `jit` ("jit: routine
 * primitive scatter input is not imm").
 */
function crossEntropy(logits: Arr, labels: Arr): Arr {
  const k = logits.shape[1]!;
  return nn.logSoftmax(logits, -1).mul(nn.oneHot(labels, k)).sum(1).mean().neg();
}

/** The MLP's logits: x·W + b per layer, ReLU between. Consumes params and x. */
function mlpForward(params: Arr[], x: Arr): Arr {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = np.matmul(h, params[i]!).add(params[i + 1]!);
    if (i + 2 < params.length) h = nn.relu(h);
  }
  return h;
}

/** PyTorch's default initialisation for a layer of `fanIn` inputs: U(±1/√fanIn). */
function uniformParam(seed: number, shape: number[], fanIn: number): Arr {
  const bound = 1 / Math.sqrt(fanIn);
  return random.uniform(random.key(seed), shape, { minval: -bound, maxval: bound });
}

/**
 * One Adam step of PyTorch's MNIST example network at batch 64 (bench/conv-step.ts), in
 * jax-js's NCHW layout and [out, in, kh, kw] kernels, jitted whole (forward, backward and
 * update in one program). The returned step returns the loss.
 */
export function jaxConvStep(): () => number {
  const batch = 64;
  let params: Arr[] = [
    uniformParam(1, [32, 1, 3, 3], 9),
    uniformParam(2, [32], 9),
    uniformParam(3, [64, 32, 3, 3], 288),
    uniformParam(4, [64], 288),
    uniformParam(5, [9216, 128], 9216),
    uniformParam(6, [128], 9216),
    uniformParam(7, [128, 10], 128),
    uniformParam(8, [10], 128),
  ];
  let state: AdamState = { m: zerosLike(params), v: zerosLike(params) };
  const x = random.uniform(random.key(99), [batch, 1, 28, 28]);
  const labels = np.array(
    Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10),
    { dtype: np.int32 },
  );
  const conv = (h: Arr, w: Arr, b: Arr) =>
    nn.relu(lax.convGeneralDilated(h, w, [1, 1], "VALID").add(b.reshape([1, -1, 1, 1])));
  const loss = (p: Arr[], input: Arr, y: Arr): Arr => {
    const [w1, b1, w2, b2, w3, b3, w4, b4] = p as [Arr, Arr, Arr, Arr, Arr, Arr, Arr, Arr];
    let h = conv(conv(input, w1, b1), w2, b2);
    // Max-pool 2×2 as JAX writes it: a reduction over each window of the last two axes.
    h = lax.reduceWindow(h, (window) => window.max(), [2, 2], [2, 2]).reshape([batch, 9216]);
    h = nn.relu(np.matmul(h, w3).add(b3));
    return crossEntropy(np.matmul(h, w4).add(b4), y);
  };
  const adamOptions = { lr: 1e-3, betas: [0.9, 0.999] as [number, number] };
  const train = jit((p: Arr[], s: AdamState, input: Arr, y: Arr, stepSize: Arr, rootBias2: Arr) => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), input, y);
    const [next, nextState] = adam(p, grads, s, stepSize, rootBias2, adamOptions);
    return [next, nextState, value] as const;
  });
  let t = 0;
  return () => {
    const [stepSize, rootBias2] = biasCorrections(adamOptions.lr, adamOptions.betas, ++t);
    const [next, nextState, value] = train(params, state, x.ref, labels.ref, stepSize, rootBias2);
    params = next as Arr[];
    state = nextState;
    // Reading the loss runs every kernel of the jitted call, the update included.
    return value.item();
  };
}

/** The char-gpt model's parameters, in JAX's [in, out] layout for linear layers. */
type GptBlock = {
  ln1: [Arr, Arr];
  qkv: [Arr, Arr];
  attnProj: [Arr, Arr];
  ln2: [Arr, Arr];
  fc: [Arr, Arr];
  mlpProj: [Arr, Arr];
};
type GptParams = { wte: Arr; wpe: Arr; blocks: GptBlock[]; lnf: [Arr, Arr] };

/**
 * One AdamW step of the char-gpt model (bench/gpt-step.ts: vocabulary 65, context 64, width
 * 128, 4 heads, 4 layers, tied head, exact GELU, batch 32, cross-entropy, gradients clipped
 * to norm 1, weight decay 0.1 on the linear layers' matrices only, lr 1e-3, betas 0.9 and
 * 0.99), jitted whole. The returned step returns the loss.
 */
export function jaxGptStep(): () => number {
  const { vocabSize: vocab, contextLength: context, width, heads, layers } = GPT_CONFIG;
  const batch = GPT_BATCH;
  let seed = 0;
  // GPT-2's initialisation, as examples/_lib/gpt.ts: matrices N(0, 0.02²), the projections
  // into the residual stream scaled by 1/√(2·layers), biases 0, norms' gains 1.
  const normal = (shape: number[], std = 0.02) => random.normal(random.key(seed++), shape).mul(std);
  const projStd = 0.02 / Math.sqrt(2 * layers);
  const linear = (n: number, m: number, std = 0.02): [Arr, Arr] => [
    normal([n, m], std),
    np.zeros([m]),
  ];
  const norm = (): [Arr, Arr] => [np.ones([width]), np.zeros([width])];
  const model: GptParams = {
    wte: normal([vocab, width]),
    wpe: normal([context, width]),
    blocks: Array.from({ length: layers }, () => ({
      ln1: norm(),
      qkv: linear(width, 3 * width),
      attnProj: linear(width, width, projStd),
      ln2: norm(),
      fc: linear(width, 4 * width),
      mlpProj: linear(4 * width, width, projStd),
    })),
    lnf: norm(),
  };
  const [leaves0, treedef] = tree.flatten(model);
  let params = leaves0 as Arr[];
  // Weight decay on the linear layers' matrices only: rank 2 and not an embedding (the
  // head is the token embedding, tied).
  const isMatrix = new Set<Arr>(
    model.blocks.flatMap((b) => [b.qkv[0], b.attnProj[0], b.fc[0], b.mlpProj[0]]),
  );
  const decay = params.map((p) => (isMatrix.has(p) ? 0.1 : 0));
  let state: AdamState = { m: zerosLike(params), v: zerosLike(params) };
  // Random tokens: the step's cost does not depend on what the text says.
  const tokens = (key: number) =>
    random.randint(random.key(key), {
      minval: 0,
      maxval: vocab,
      shape: [batch, context],
      dtype: np.int32,
    });
  const x = tokens(7);
  const y = tokens(8);

  const linearForward = (h: Arr, [w, b]: [Arr, Arr]) => np.matmul(h, w).add(b);
  // softmax(q·kᵀ/√d, masked to the positions at or before each query)·v, written out with
  // batched products: jax-js's `nn.dotProductAttention` does the same through `np.einsum`,
  // whose parser calls iterator helpers (`matchAll(...).map`) that Node 20 lacks.
  const causal = np.tri(context, context, 0, { dtype: np.bool });
  const causalAttention = (q: Arr, k: Arr, v: Arr): Arr => {
    const scores = np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(width / heads));
    return np.matmul(nn.softmax(np.where(causal.ref, scores, -Infinity), -1), v);
  };
  const layerNorm = (h: Arr, [gain, bias]: [Arr, Arr]) =>
    nn.standardize(h, -1, { epsilon: 1e-5 }).mul(gain).add(bias);
  const forward = (p: GptParams, input: Arr): Arr => {
    // Token embeddings [B, T, C] plus position embeddings [T, C], broadcast over the batch.
    let h = np.take(p.wte.ref, input, 0).add(p.wpe);
    const headWidth = width / heads;
    for (const block of p.blocks) {
      const qkv = linearForward(layerNorm(h.ref, block.ln1), block.qkv);
      // [B, T, 3C] → q, k, v as [B, heads, T, C / heads]: each head sees its own slice.
      const [q, k, v] = np
        .split(qkv, 3, -1)
        .map((z) => z.reshape([batch, context, heads, headWidth]).transpose([0, 2, 1, 3])) as [
        Arr,
        Arr,
        Arr,
      ];
      const attended = causalAttention(q, k, v)
        .transpose([0, 2, 1, 3])
        .reshape([batch, context, width]);
      h = h.add(linearForward(attended, block.attnProj));
      const hidden = nn.gelu(linearForward(layerNorm(h.ref, block.ln2), block.fc), {
        approximate: false,
      });
      h = h.add(linearForward(hidden, block.mlpProj));
    }
    // The head shares the token embedding's weight: logits = h·wteᵀ.
    return np.matmul(layerNorm(h, p.lnf), p.wte.transpose());
  };
  const loss = (leaves: Arr[], input: Arr, labels: Arr): Arr => {
    const p = tree.unflatten(treedef, leaves) as GptParams;
    const logits = forward(p, input).reshape([batch * context, vocab]);
    return crossEntropy(logits, labels.reshape([batch * context]));
  };
  const adamOptions = { lr: 1e-3, betas: [0.9, 0.99] as [number, number], decay };
  const train = jit(
    (p: Arr[], s: AdamState, input: Arr, labels: Arr, stepSize: Arr, rootBias2: Arr) => {
      const [value, grads] = valueAndGrad(loss)(tree.ref(p), input, labels);
      // clip_grad_norm_(params, 1): scale every gradient by min(1, 1 / (‖g‖ + 1e-6)).
      const total = np.sqrt(grads.map((g) => np.square(g.ref).sum()).reduce((a, b) => a.add(b)));
      const scale = np.minimum(np.reciprocal(total.add(1e-6)), 1);
      const clipped = grads.map((g) => g.mul(scale.ref));
      scale.dispose();
      const [next, nextState] = adam(p, clipped, s, stepSize, rootBias2, adamOptions);
      return [next, nextState, value] as const;
    },
  );
  let t = 0;
  return () => {
    const [stepSize, rootBias2] = biasCorrections(adamOptions.lr, adamOptions.betas, ++t);
    const [next, nextState, value] = train(params, state, x.ref, y.ref, stepSize, rootBias2);
    params = next as Arr[];
    state = nextState;
    return value.item();
  };
}

/** jax-js on its WebAssembly device. */
export function jaxjs(): Framework {
  return {
    name: "jax-js wasm",
    async activate() {
      if (!ready) {
        // Only the wasm device: starting every device probes `navigator.gpu`, which Node lacks.
        await init("wasm");
        ready = true;
      }
      defaultDevice("wasm");
    },
    matmul(a, b, n, transA) {
      const x = np.array(a, { shape: [n, n] });
      const y = np.array(b, { shape: [n, n] });
      return () => {
        const left = transA ? x.ref.transpose() : x.ref;
        np.matmul(left, y.ref).dataSync();
      };
    },
    mlp(sizes, initial, optimizer): Trainer {
      let params = initial.map((data, i) => {
        const l = i >> 1;
        const shape = i % 2 === 0 ? [sizes[l]!, sizes[l + 1]!] : [sizes[l + 1]!];
        return np.array(data, { shape });
      });
      const inputs = sizes[0]!;
      const loss = (p: Arr[], x: Arr, y: Arr) => crossEntropy(mlpForward(p, x), y);
      // The whole step (forward, backward, update) is one jitted program: jax-js's fast path,
      // which fuses the elementwise work into the products' kernels and keeps the trace out
      // of the timed loop after the first call.
      const sgd = jit((p: Arr[], x: Arr, y: Arr) => {
        const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, y);
        const next = p.map((q, i) => q.sub(grads[i]!.mul(optimizer.lr)));
        return [next, value] as const;
      });
      const betas: [number, number] = [0.9, 0.999];
      let state: AdamState = { m: zerosLike(params), v: zerosLike(params) };
      const adamStep = jit(
        (p: Arr[], s: AdamState, x: Arr, y: Arr, stepSize: Arr, rootBias2: Arr) => {
          const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, y);
          const [next, nextState] = adam(p, grads, s, stepSize, rootBias2, {
            lr: optimizer.lr,
            betas,
          });
          return [next, nextState, value] as const;
        },
      );
      let t = 0;
      return {
        step(x, y) {
          const batch = y.length;
          const xs = np.array(x, { shape: [batch, inputs] });
          const ys = np.array(y, { dtype: np.int32 });
          let value: Arr;
          if (optimizer.kind === "sgd") {
            const [next, loss] = sgd(params, xs, ys);
            params = next as Arr[];
            value = loss;
          } else {
            const [stepSize, rootBias2] = biasCorrections(optimizer.lr, betas, ++t);
            const [next, nextState, loss] = adamStep(params, state, xs, ys, stepSize, rootBias2);
            params = next as Arr[];
            state = nextState;
            value = loss;
          }
          value.dataSync();
        },
        accuracy(images, labels) {
          const x = np.array(images, { shape: [labels.length, inputs] });
          const best = np.argmax(mlpForward(tree.ref(params), x), 1).dataSync();
          let right = 0;
          for (let i = 0; i < labels.length; i++) if (best[i] === labels[i]) right++;
          return right / labels.length;
        },
        dispose() {
          tree.dispose(params);
          tree.dispose(state);
          sgd.dispose();
          adamStep.dispose();
        },
      };
    },
    tape(ops) {
      // jax-js records no tape: `grad` traces the function (a JVP, then its transpose) on
      // every call. Not jitted, so that each call pays what a tape pays per op in an eager
      // framework: building and differentiating the 2000 ops anew.
      const x = np.array([1, 2, 3, 4]);
      const f = grad((v: Arr) => {
        let y = v;
        for (let i = 0; i < ops; i += 2) y = y.add(0.5).mul(0.999);
        return y.sum();
      });
      return () => {
        f(x.ref).dataSync();
      };
    },
    convStep() {
      const step = jaxConvStep();
      return () => void step();
    },
    gptStep() {
      const step = jaxGptStep();
      return () => void step();
    },
  };
}
