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
      return "not written (no attention layers in TF.js core)";
    },
  };
}
