/**
 * The same workloads in TF.js 4.22 on its wasm (XNNPACK) and pure-JavaScript cpu backends,
 * written the way TF.js asks: variables, an optimizer's minimize, tidy and dispose.
 */
import { createRequire, register } from "node:module";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { Framework, Trainer } from "../framework.js";
import { GPT_BATCH, GPT_CONFIG } from "../gpt-config.js";

let wasmPathSet = false;
let gradientsRegistered = false;

/**
 * tfjs-core registers its gradients in a separate ES module whose relative imports name no
 * file extension, which only bundlers resolve. A resolve hook retries them with ".js" (or
 * "/index.js"); the gradients land in TF.js's global registry, which every copy shares.
 */
async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  const hook = `export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); } catch (error) {
      if (!specifier.startsWith(".") || !context.parentURL?.includes("@tensorflow")) throw error;
      try { return await next(specifier + ".js", context); }
      catch { return next(specifier + "/index.js", context); }
    }
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  gradientsRegistered = true;
}

/** TF.js on its "wasm" or "cpu" backend. */
export function tfjs(backend: "wasm" | "cpu"): Framework {
  return {
    name: `TF.js ${backend}`,
    async activate() {
      await registerGradients();
      if (backend === "wasm" && !wasmPathSet) {
        // The wasm backend loads its .wasm files from the package's dist folder.
        const require = createRequire(import.meta.url);
        setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`);
        wasmPathSet = true;
      }
      tf.env().set("PROD", true);
      await tf.setBackend(backend);
      await tf.ready();
    },
    matmul(a, b, n, transA) {
      const x = tf.tensor2d(a, [n, n]);
      const y = tf.tensor2d(b, [n, n]);
      return () => {
        const c = tf.matMul(x, y, transA);
        c.dataSync();
        c.dispose();
      };
    },
    mlp(sizes, initial, optimizer): Trainer {
      const vars = initial.map((data, i) => {
        const l = i >> 1;
        const shape = i % 2 === 0 ? [sizes[l]!, sizes[l + 1]!] : [sizes[l + 1]!];
        return tf.variable(tf.tensor(data, shape));
      });
      const opt =
        optimizer.kind === "sgd" ? tf.train.sgd(optimizer.lr) : tf.train.adam(optimizer.lr);
      const inputs = sizes[0]!;
      const forward = (x: tf.Tensor2D) => {
        let h: tf.Tensor2D = x;
        for (let i = 0; i < vars.length; i += 2) {
          h = tf.add(tf.matMul(h, vars[i]! as tf.Tensor2D), vars[i + 1]!);
          if (i + 2 < vars.length) h = tf.relu(h);
        }
        return h;
      };
      return {
        step(x, y) {
          tf.tidy(() => {
            const batch = y.length;
            const xs = tf.tensor2d(x, [batch, inputs]);
            const onehot = tf.oneHot(tf.tensor1d(y, "int32"), 10);
            opt.minimize(
              () =>
                tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(forward(xs)), onehot), 1))) as tf.Scalar,
              false,
              vars,
            );
          });
        },
        accuracy(images, labels) {
          const best = tf.tidy(() =>
            tf.argMax(forward(tf.tensor2d(images, [labels.length, inputs])), 1).dataSync(),
          );
          let right = 0;
          for (let i = 0; i < labels.length; i++) if (best[i] === labels[i]) right++;
          return right / labels.length;
        },
        dispose() {
          for (const v of vars) v.dispose();
          opt.dispose();
        },
      };
    },
    tape(ops) {
      const x = tf.tensor1d([1, 2, 3, 4]);
      const f = tf.grad((v: tf.Tensor) => {
        let y = v;
        for (let i = 0; i < ops; i += 2) y = tf.mul(tf.add(y, 0.5), 0.999);
        return tf.sum(y) as tf.Scalar;
      });
      return () => {
        tf.tidy(() => f(x)).dispose();
      };
    },
    convStep() {
      // The same network in TF.js's NHWC layout, PyTorch's initialisation bounds, Adam 1e-3.
      const batch = 64;
      const uniform = (shape: number[], fanIn: number) =>
        tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
      const vars = [
        uniform([3, 3, 1, 32], 9),
        uniform([32], 9),
        uniform([3, 3, 32, 64], 288),
        uniform([64], 288),
        uniform([9216, 128], 9216),
        uniform([128], 9216),
        uniform([128, 10], 128),
        uniform([10], 128),
      ];
      const [w1, b1, w2, b2, w3, b3, w4, b4] = vars as [
        tf.Variable<tf.Rank.R4>,
        tf.Variable,
        tf.Variable<tf.Rank.R4>,
        tf.Variable,
        tf.Variable<tf.Rank.R2>,
        tf.Variable,
        tf.Variable<tf.Rank.R2>,
        tf.Variable,
      ];
      const x = tf.randomUniform([batch, 28, 28, 1]) as tf.Tensor4D;
      const labels = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: batch }, (_, i) => (i * 7) % 10),
          "int32",
        ),
        10,
      );
      const opt = tf.train.adam(1e-3);
      return () => {
        tf.tidy(() => {
          opt.minimize(
            () => {
              let h = tf.relu(tf.add(tf.conv2d(x, w1, 1, "valid"), b1)) as tf.Tensor4D;
              h = tf.relu(tf.add(tf.conv2d(h, w2, 1, "valid"), b2)) as tf.Tensor4D;
              const flat = tf.reshape(tf.maxPool(h, 2, 2, "valid"), [batch, 9216]) as tf.Tensor2D;
              const hidden = tf.relu(tf.add(tf.matMul(flat, w3), b3)) as tf.Tensor2D;
              const logits = tf.add(tf.matMul(hidden, w4), b4);
              return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), labels), 1))) as tf.Scalar;
            },
            false,
            vars,
          );
        });
      };
    },
    gptStep() {
      return tfGptStep();
    },
  };
}

/**
 * One AdamW step of the char-gpt model (bench/gpt-step.ts: vocabulary 65, context 64, width
 * 128, 4 heads, 4 layers, tied head, exact GELU, batch 32, cross-entropy, gradients clipped to
 * norm 1, weight decay 0.1 on the linear layers' matrices only, lr 1e-3, betas 0.9 and 0.99),
 * written with TF.js core ops as peers/jaxjs.ts writes it with jax-js's: TF.js core has no
 * attention, layer norm or GELU, so they are composed; `tf.variableGrads` gives the gradients
 * to clip, and AdamW is written out, as TF.js's Adam has no decoupled weight decay. The
 * returned step returns the loss.
 */
function tfGptStep(): () => number {
  const { vocabSize: vocab, contextLength: context, width, heads, layers } = GPT_CONFIG;
  const batch = GPT_BATCH;
  const headWidth = width / heads;
  // GPT-2's initialisation, as examples/_lib/gpt.ts: matrices N(0, 0.02²), the projections
  // into the residual stream scaled by 1/√(2·layers), biases 0, norms' gains 1.
  let seed = 0;
  const normal = (shape: number[], std = 0.02) =>
    tf.variable(tf.randomNormal(shape, 0, std, "float32", seed++));
  const projStd = 0.02 / Math.sqrt(2 * layers);
  const linear = (n: number, m: number, std = 0.02) => [
    normal([n, m], std),
    tf.variable(tf.zeros([m])),
  ];
  const norm = () => [tf.variable(tf.ones([width])), tf.variable(tf.zeros([width]))];
  const wte = normal([vocab, width]);
  const wpe = normal([context, width]);
  const blocks = Array.from({ length: layers }, () => ({
    ln1: norm(),
    qkv: linear(width, 3 * width),
    attnProj: linear(width, width, projStd),
    ln2: norm(),
    fc: linear(width, 4 * width),
    mlpProj: linear(4 * width, width, projStd),
  }));
  const lnf = norm();
  const vars = [wte, wpe, ...blocks.flatMap((b) => Object.values(b).flat()), ...lnf];
  // Weight decay on the linear layers' matrices only (the head is the token embedding, tied).
  const decayed = new Set(blocks.flatMap((b) => [b.qkv[0], b.attnProj[0], b.fc[0], b.mlpProj[0]]));
  const moments = vars.map((v) => [tf.variable(tf.zerosLike(v)), tf.variable(tf.zerosLike(v))]);
  // Random tokens: the step's cost does not depend on what the text says.
  const tokens = () =>
    tf.tensor2d(
      Array.from({ length: batch * context }, (_, i) => (i * 7919 + 13) % vocab),
      [batch, context],
      "int32",
    );
  const x = tokens();
  const inputs = tf.cast(
    tf.oneHot(tf.reshape(x, [batch * context]), vocab),
    "float32",
  ) as tf.Tensor2D;
  const labels = tf.oneHot(tf.reshape(tf.reverse(x, 1), [batch * context]), vocab);
  // Added to the scores: 0 at or before each query's position, −∞ after it.
  const mask = tf.tensor2d(
    Array.from({ length: context * context }, (_, i) =>
      i % context > Math.floor(i / context) ? Number.NEGATIVE_INFINITY : 0,
    ),
    [context, context],
  );

  const dense = (h: tf.Tensor, [w, b]: tf.Variable[]) => {
    const rows = tf.reshape(h, [-1, h.shape.at(-1)!]) as tf.Tensor2D;
    const out = tf.add(tf.matMul(rows, w as tf.Tensor2D), b!);
    return tf.reshape(out, [...h.shape.slice(0, -1), w!.shape[1]!]);
  };
  const layerNorm = (h: tf.Tensor, [gain, bias]: tf.Variable[]) => {
    const { mean, variance } = tf.moments(h, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain!), bias!);
  };
  const gelu = (h: tf.Tensor) => tf.mul(tf.mul(h, 0.5), tf.add(tf.erf(tf.mul(h, Math.SQRT1_2)), 1));
  const split = (t: tf.Tensor) =>
    tf.transpose(tf.reshape(t, [batch, context, heads, headWidth]), [0, 2, 1, 3]) as tf.Tensor4D;
  const loss = () => {
    // The embedding as a one-hot product: the gradient of `tf.gather` needs a kernel the wasm
    // backend lacks ("Kernel 'UnsortedSegmentSum' not registered"); the product costs 17
    // MFLOP of the step's 10.5 GFLOP, and both backends run the same program.
    const embedded = tf.matMul(inputs, wte as tf.Tensor2D);
    let h = tf.add(tf.reshape(embedded, [batch, context, width]), wpe);
    for (const block of blocks) {
      const [q, k, v] = tf.split(dense(layerNorm(h, block.ln1), block.qkv), 3, -1).map(split) as [
        tf.Tensor4D,
        tf.Tensor4D,
        tf.Tensor4D,
      ];
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headWidth)), mask);
      const attended = tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]);
      h = tf.add(h, dense(tf.reshape(attended, [batch, context, width]), block.attnProj));
      h = tf.add(h, dense(gelu(dense(layerNorm(h, block.ln2), block.fc)), block.mlpProj));
    }
    const final = tf.reshape(layerNorm(h, lnf), [batch * context, width]) as tf.Tensor2D;
    const logits = tf.matMul(final, wte as tf.Tensor2D, false, true);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), labels), 1))) as tf.Scalar;
  };
  const lr = 1e-3;
  const [beta1, beta2] = [0.9, 0.99];
  let t = 0;
  return () => {
    t++;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      // clip_grad_norm_(params, 1): scale every gradient by min(1, 1 / (‖g‖ + 1e-6)).
      const total = tf.sqrt(tf.addN(vars.map((v) => tf.sum(tf.square(grads[v.name]!)))));
      const scale = tf.minimum(tf.reciprocal(tf.add(total, 1e-6)), 1);
      const stepSize = lr / (1 - beta1 ** t);
      const rootBias2 = Math.sqrt(1 - beta2 ** t);
      vars.forEach((v, i) => {
        const g = tf.mul(grads[v.name]!, scale);
        const [m, s] = moments[i]!;
        m!.assign(tf.add(tf.mul(m!, beta1), tf.mul(g, 1 - beta1)));
        s!.assign(tf.add(tf.mul(s!, beta2), tf.mul(tf.square(g), 1 - beta2)));
        // PyTorch's AdamW: θ ← θ·(1 − lr·λ), then θ − stepSize·m / (√v / √(1 − β2ᵗ) + ε).
        const decayedValue = decayed.has(v) ? tf.mul(v, 1 - lr * 0.1) : v;
        const update = tf.div(m!, tf.add(tf.div(tf.sqrt(s!), rootBias2), 1e-8));
        v.assign(tf.sub(decayedValue, tf.mul(update, stepSize)));
      });
      return value.dataSync()[0]!;
    });
  };
}
