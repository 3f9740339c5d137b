/**
 * The ops whose output shape depends on their data, on a GPU whose thread may not block: the
 * device lives on this thread (`initBackend("webgpu", { thread: "caller" })`), as on a
 * browser's main thread, so a synchronous read throws. Each sync op must throw a
 * BlockingReadError naming itself and its async form, and the async form must give, on the
 * GPU, the CPU's values and gradients.
 */
import {
  BlockingReadError,
  cumprod,
  gradients,
  index,
  indexAsync,
  initBackend,
  maskedSelect,
  maskedSelectAsync,
  multinomial,
  nonzero,
  nonzeroAsync,
  oneHot,
  oneHotAsync,
  repeatInterleave,
  repeatInterleaveAsync,
  scaledDotProductAttention,
  type Tensor,
  tensor,
  unique,
  uniqueAsync,
} from "@tensortape/core";
import { beforeAll, describe, expect, test } from "vitest";

beforeAll(async () => {
  await initBackend("webgpu", { thread: "caller" });
});

const gpu = (t: Tensor) => t.to("webgpu");
const bools = (values: number[][] | number[]) => tensor(values, { dtype: "bool" });
const ints = (values: number[][] | number[]) => tensor(values, { dtype: "int32" });

/** `run` throws the BlockingReadError of `op`, whose hint names `asyncName`. */
function expectBlocked(run: () => unknown, op: string, asyncName: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BlockingReadError);
  const error = caught as BlockingReadError;
  expect(error.op).toBe(op);
  expect(error.device).toBe("webgpu");
  expect(error.message).toContain(`hint: use \`await ${asyncName}(…)\``);
}

/** A GPU result holds `want`'s shape, dtype and values (read without blocking). */
async function expectOnGpu(got: Tensor, want: Tensor): Promise<void> {
  expect(got.device).toBe("webgpu");
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(await got.toArrayAsync()).toEqual(want.toArray());
}

/** Float32 results from the GPU close to the CPU's. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
}

describe("a thread that may not block", () => {
  test("t.data still names t.read()", () => {
    let caught: unknown;
    try {
      void gpu(tensor([1, 2])).data;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BlockingReadError);
    expect((caught as BlockingReadError).message).toContain("use `await t.read()`");
  });

  test("nonzero throws naming nonzeroAsync, which works", async () => {
    const x = tensor([
      [0, 3, 0],
      [4, 0, 5],
    ]);
    expectBlocked(() => nonzero(gpu(x)), "nonzero", "nonzeroAsync");
    await expectOnGpu(await nonzeroAsync(gpu(x)), nonzero(x));
  });

  test("maskedSelect throws naming maskedSelectAsync, which gives the CPU's value and gradient", async () => {
    const values = [
      [1, -2, 3],
      [-4, 5, -6],
    ];
    const mask = bools([1, 0, 1]);
    expectBlocked(
      () => maskedSelect(gpu(tensor(values)), gpu(mask)),
      "maskedSelect",
      "maskedSelectAsync",
    );
    const x = tensor(values, { requiresGrad: true, device: "webgpu" });
    const got = await maskedSelectAsync(x, gpu(mask));
    const cpu = tensor(values, { requiresGrad: true });
    const want = maskedSelect(cpu, mask);
    await expectOnGpu(got, want);
    const g = tensor([1, 2, 3, 4]);
    const [gx] = gradients(got, [x], gpu(g));
    const [gc] = gradients(want, [cpu], g);
    await expectOnGpu(gx!, gc!);
  });

  test("index by a bool mask throws naming indexAsync, which works", async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const mask = bools([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    expectBlocked(() => index(gpu(x), gpu(mask)), "index", "indexAsync");
    expectBlocked(() => gpu(x).index(gpu(bools([0, 1]))), "index", "indexAsync");
    await expectOnGpu(await indexAsync(gpu(x), gpu(mask)), index(x, mask));
    const rows = bools([0, 1]);
    await expectOnGpu(await indexAsync(gpu(x), gpu(rows), "0:2"), index(x, rows, "0:2"));
    // Indexing without a mask reads nothing, so the sync op works here too.
    await expectOnGpu(index(gpu(x), 1, "1:3"), index(x, 1, "1:3"));
  });

  test("unique throws naming uniqueAsync, which gives values, inverse and counts", async () => {
    const x = tensor([3, 1, 3, 2, 1, 1]);
    const options = { returnInverse: true, returnCounts: true };
    expectBlocked(() => unique(gpu(x), options), "unique", "uniqueAsync");
    const got = await uniqueAsync(gpu(x), options);
    const want = unique(x, options);
    await expectOnGpu(got.values, want.values);
    await expectOnGpu(got.inverse!, want.inverse!);
    await expectOnGpu(got.counts!, want.counts!);
  });

  test("oneHot throws naming oneHotAsync, which infers the classes and checks the range", async () => {
    const i = ints([0, 2, 1]);
    expectBlocked(() => oneHot(gpu(i)), "oneHot", "oneHotAsync");
    expectBlocked(() => oneHot(gpu(i), 4), "oneHot", "oneHotAsync");
    await expectOnGpu(await oneHotAsync(gpu(i)), oneHot(i));
    await expectOnGpu(await oneHotAsync(gpu(i), 4), oneHot(i, 4));
    await expect(oneHotAsync(gpu(ints([0, 3])), 3)).rejects.toThrow(
      "oneHot: class values must be smaller than numClasses 3; got 3 at position 1 of index [2]",
    );
  });

  test("repeatInterleave with GPU counts throws naming repeatInterleaveAsync, which works", async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const repeats = ints([2, 0, 1]);
    expectBlocked(
      () => repeatInterleave(gpu(x), gpu(repeats), 1),
      "repeatInterleave",
      "repeatInterleaveAsync",
    );
    await expectOnGpu(
      await repeatInterleaveAsync(gpu(x), gpu(repeats), 1),
      repeatInterleave(x, repeats, 1),
    );
    // A number of repeats decides the shape without data: the sync op works.
    await expectOnGpu(repeatInterleave(gpu(x), 2, 0), repeatInterleave(x, 2, 0));
  });

  // Ops that once read a value to pick a route or to validate, and on a device no longer do.
  test("attention with a fully masked query row runs without a read, giving zeros there", async () => {
    const q = tensor([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const k = tensor([
      [
        [1, 2],
        [3, -1],
        [0, 1],
      ],
    ]);
    const v = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]);
    // The second query may attend to no key: its weights are 0, not NaN, as PyTorch's.
    const mask = bools([
      [1, 0, 1],
      [0, 0, 0],
    ]);
    const got = scaledDotProductAttention(gpu(q), gpu(k), gpu(v), { attnMask: gpu(mask) });
    const want = scaledDotProductAttention(q, k, v, { attnMask: mask });
    expect(got.device).toBe("webgpu");
    const values = await got.read();
    expectClose(values, want.data);
    expect(Array.from(values.slice(2))).toEqual([0, 0]);
  });

  test("cumprod's gradient runs without a read, exact with and without zeros", async () => {
    for (const values of [
      [2, 3, 0.5, 4],
      [2, 0, 3, 0],
    ]) {
      const x = tensor(values, { requiresGrad: true, device: "webgpu" });
      const cpu = tensor(values, { requiresGrad: true });
      const g = tensor([1, -2, 3, 0.5]);
      const [gx] = gradients(cumprod(x, 0), [x], gpu(g));
      const [gc] = gradients(cumprod(cpu, 0), [cpu], g);
      expectClose(await gx!.read(), gc!.data);
    }
  });

  test("multinomial checks its probabilities on the device, reporting at the next read", async () => {
    const drawn = multinomial(gpu(tensor([0, 1, 0])), 2, { replacement: true });
    expect(drawn.device).toBe("webgpu");
    expect(Array.from(await drawn.read())).toEqual([1, 1]);
    const bad = multinomial(gpu(tensor([1, -1])), 1);
    await expect(bad.read()).rejects.toThrow(
      "multinomial: the probabilities must be finite and non-negative; got inf, NaN or an element < 0",
    );
  });
});
