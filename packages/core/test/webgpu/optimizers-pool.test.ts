import { Generator, referenceBackend } from "@tensortape/core";
import { describe, expect, test } from "vitest";
import { expectClose, expectSame, randomFloats, uploadAt } from "./compare.js";
import { gpuKernels, upload, withErrors } from "./device.js";

// The optimizers' in-place updates in float32 (a fused multiply-add on the GPU may move the
// last bit), and the backend's own machinery: the pool reuses released buffers in queue
// order, writes and reads see the work recorded before them, and results repeat bit for bit.

const N = 300;

function state(generator: Generator, positive = false): Float32Array {
  return randomFloats(N, generator, positive ? 0 : -1, 1, 0);
}

describe("optimizer updates", () => {
  test("sgd, adam, rmsprop and adagrad in each variant", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(71);
      const variants: [
        string,
        (arrays: Float32Array[], cpu: boolean, gpu?: ReturnType<typeof uploadAt>[]) => void,
        number,
        boolean[],
      ][] = [];
      for (const [momentum, first, nesterov] of [
        [0, false, false],
        [0.9, true, false],
        [0.9, false, true],
        [0.8, false, false],
      ] as const) {
        const h = { lr: 0.1, momentum, dampening: 0.1, weightDecay: 0.01, nesterov, first };
        variants.push([
          `sgd ${momentum} ${first} ${nesterov}`,
          (a, cpu, g) => {
            if (cpu) referenceBackend.sgdUpdate(a[0]!, a[1]!, momentum ? a[2]! : null, h);
            else k.sgdUpdate(g![0]!, g![1]!, momentum ? g![2]! : null, h);
          },
          3,
          [false, false, false],
        ]);
      }
      for (const amsgrad of [false, true]) {
        const h = {
          stepSize: 0.01 / 0.1,
          beta1: 0.9,
          beta2: 0.999,
          bias2Sqrt: Math.sqrt(1 - 0.999),
          eps: 1e-8,
          l2: 0.01,
          decay: 0.999,
        };
        variants.push([
          `adam ${amsgrad}`,
          (a, cpu, g) => {
            if (cpu)
              referenceBackend.adamUpdate(a[0]!, a[1]!, a[2]!, a[3]!, amsgrad ? a[4]! : null, h);
            else k.adamUpdate(g![0]!, g![1]!, g![2]!, g![3]!, amsgrad ? g![4]! : null, h);
          },
          5,
          [false, false, false, true, true],
        ]);
      }
      for (const [centered, momentum] of [
        [false, 0],
        [true, 0.9],
        [false, 0.9],
      ] as const) {
        const h = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum };
        variants.push([
          `rmsprop ${centered} ${momentum}`,
          (a, cpu, g) => {
            if (cpu)
              referenceBackend.rmspropUpdate(
                a[0]!,
                a[1]!,
                a[2]!,
                centered ? a[3]! : null,
                momentum ? a[4]! : null,
                h,
              );
            else
              k.rmspropUpdate(
                g![0]!,
                g![1]!,
                g![2]!,
                centered ? g![3]! : null,
                momentum ? g![4]! : null,
                h,
              );
          },
          5,
          [false, false, true, false, false],
        ]);
      }
      const h = { lr: 0.05, eps: 1e-10, weightDecay: 0.01 };
      variants.push([
        "adagrad",
        (a, cpu, g) => {
          if (cpu) referenceBackend.adagradUpdate(a[0]!, a[1]!, a[2]!, h);
          else k.adagradUpdate(g![0]!, g![1]!, g![2]!, h);
        },
        3,
        [false, false, true],
      ]);

      for (const [name, step, count, positive] of variants) {
        const arrays = Array.from({ length: count }, (_, i) => state(generator, positive[i]));
        // The centered average stays below the square average's root, as it does in training.
        if (name.startsWith("rmsprop true"))
          arrays[3] = arrays[3]!.map((v, i) => v * 0.1 * Math.sqrt(arrays[2]![i]!));
        const gpu = arrays.map((a) => uploadAt(k, a));
        const cpu = arrays.map((a) => a.slice());
        for (let s = 0; s < 3; s++) {
          step(cpu, true);
          step([], false, gpu);
        }
        for (let i = 0; i < count; i++) {
          expectClose(await k.read(gpu[i]!), cpu[i]!, `${name} array ${i}`, {
            rtol: 1e-6,
            atol: 1e-9,
          });
        }
      }
    });
  });
});

describe("pool, ordering and determinism", () => {
  test("a released buffer is reused, cleared, and recorded work still sees its old contents", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const a = upload(k, Float32Array.from([1, 2, 3, 4]));
      const doubled = k.allocate("float32", 4);
      k.binary(
        "add",
        { data: a, offset: 0, strides: [1] },
        { data: a, offset: 0, strides: [1] },
        doubled,
        [4],
      );
      k.release(a);
      // The same bucket: the pool hands a's buffer back, zero-filled after the add has read it.
      const b = k.allocate("float32", 3);
      expect(b.buffer).toBe(a.buffer);
      expectSame(await k.read(b), [0, 0, 0], "reallocated buffer is zeroed");
      k.write(b, Float32Array.from([7, 8, 9]));
      const c = k.allocate("float32", 3);
      k.unary("neg", b, c);
      k.release(b);
      const d = k.allocate("float32", 3);
      k.write(d, Float32Array.from([5, 5, 5]));
      expectSame(await k.read(doubled), [2, 4, 6, 8], "the add read a before its reuse");
      expectSame(await k.read(c), [-7, -8, -9], "neg read b before its reuse");
      expectSame(await k.read(d), [5, 5, 5], "the write landed after the earlier work");
      expect(() => {
        k.release(c);
        k.release(c);
      }).toThrow(/released twice/);
    });
  });

  test("many dispatches span several submissions and keep their order", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      let x = upload(k, Float32Array.from([0, 1, 2]));
      const one = upload(k, Float32Array.from([1]));
      for (let i = 0; i < 700; i++) {
        const next = k.allocate("float32", 3);
        k.binary(
          "add",
          { data: x, offset: 0, strides: [1] },
          { data: one, offset: 0, strides: [0] },
          next,
          [3],
        );
        k.release(x);
        x = next;
      }
      expectSame(await k.read(x), [700, 701, 702], "700 chained adds");
    });
  });

  test("an output that overlaps an input reads the input as it was", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
      const x = upload(k, data);
      // Shift right by one within the same buffer.
      k.copy({ data: x, offset: 0, strides: [1] }, { data: x, offset: 1, strides: [1] }, [5]);
      expectSame(await k.read(x), [1, 1, 2, 3, 4, 5], "overlapping copy");
    });
  });

  test("the same inputs give the same bits on every run", async () => {
    await withErrors(async () => {
      const k = await gpuKernels();
      const generator = new Generator(81);
      const a = randomFloats(96 * 80, generator, -1, 1, 0);
      const idx = Int32Array.from({ length: 4000 }, () => generator.integer(0, 7));
      const g = randomFloats(4000, generator, -1, 1, 0);
      const run = async () => {
        const x = upload(k, a);
        const prod = k.allocate("float32", 96 * 96);
        k.matmul(x, x, prod, {
          aOffsets: [0],
          bOffsets: [0],
          m: 96,
          k: 80,
          n: 96,
          transA: false,
          transB: true,
        });
        const sum = k.allocate("float32", 1);
        k.reduce("sum", prod, [96 * 96], [0], sum);
        const scattered = k.allocate("float32", 7);
        k.scatterAdd(upload(k, g), upload(k, idx), scattered, 1, 7, 4000, 1);
        return [...(await k.read(prod)), ...(await k.read(sum)), ...(await k.read(scattered))];
      };
      const first = await run();
      const second = await run();
      expectSame(second, first, "second run");
    });
  });
});
