/**
 * Worker threads on an overloaded machine: the test starts busy processes of its own (more
 * than there are cores), then trains a small seeded MLP several times on more threads than
 * cores and holds every step's loss, bit for bit, to a run on the calling thread alone. On a
 * busy machine threads are descheduled at any instruction, which is what exposed a worker
 * rerunning a finished slice after a late notify.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  add,
  Generator,
  gather,
  logSoftmax,
  matmul,
  mean,
  neg,
  relu,
  setNumThreads,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { getRuntime } from "../../src/backend/wasm/runtime.js";
import { coreCount, getPool, threadTesting } from "../../src/backend/wasm/thread-pool.js";

const SIZES = [256, 128, 10];
const BATCH = 64;
const STEPS = 30;
const RUNS = 4;

const busy: ChildProcess[] = [];

beforeAll(() => {
  // Each spins for at most a minute, in case this process dies before afterAll.
  const spin = "const end = Date.now() + 60000; while (Date.now() < end);";
  for (let i = 0; i < coreCount() + 2; i++) {
    busy.push(spawn(process.execPath, ["-e", spin], { stdio: "ignore" }));
  }
});

afterAll(() => {
  for (const child of busy) child.kill("SIGKILL");
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

/** Seeded uniform values in [-scale, scale) as a float32 tensor. */
function uniform(shape: number[], generator: Generator, scale: number, requiresGrad = false) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = scale * (2 * generator.uniform() - 1);
  return tensor(data, { shape, requiresGrad });
}

/** The loss of every step of a short SGD run of the MLP, from the same seed every time. */
async function train(): Promise<Float64Array> {
  const generator = new Generator(7);
  let params: Tensor[] = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const scale = 1 / Math.sqrt(SIZES[l]!);
    params.push(uniform([SIZES[l]!, SIZES[l + 1]!], generator, scale, true));
    params.push(uniform([SIZES[l + 1]!], generator, scale, true));
  }
  const batches = Array.from({ length: 4 }, () => ({
    x: uniform([BATCH, SIZES[0]!], generator, 1),
    y: tensor(
      Array.from({ length: BATCH }, () => Math.floor(generator.uniform() * 10)),
      { shape: [BATCH, 1], dtype: "int32" },
    ),
  }));
  const losses = new Float64Array(STEPS);
  for (let step = 0; step < STEPS; step++) {
    const { x, y } = batches[step % batches.length]!;
    let h = x;
    for (let i = 0; i < params.length; i += 2) {
      h = add(matmul(h, params[i]!), params[i + 1]!);
      if (i + 2 < params.length) h = relu(h);
    }
    const loss = neg(mean(gather(logSoftmax(h, 1), 1, y)));
    loss.backward();
    losses[step] = loss.item();
    params = params.map((p) => p.sub(p.grad!.mul(0.5)).detach().requireGrad());
    // Let the test runner's messages through between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return losses;
}

test("seeded training on more threads than cores of a busy machine repeats the one-thread losses bit for bit", async () => {
  setNumThreads(1);
  const expected = await train();
  expect(expected[STEPS - 1]).toBeLessThan(expected[0]!);
  // Threads even though the machine is busy (where the backend would not use them by itself).
  threadTesting.cores = Math.max(coreCount(), 4);
  threadTesting.busy = false;
  setNumThreads(4);
  const pool = getPool(getRuntime()!)!;
  expect(pool.waitReady(20_000)).toBe(true);
  for (let run = 0; run < RUNS; run++) {
    const losses = await train();
    for (let step = 0; step < STEPS; step++) {
      expect(losses[step], `run ${run}, step ${step}`).toBe(expected[step]);
    }
  }
  // The products were split: the workers computed part of them.
  expect(pool.workerSlices).toBeGreaterThan(0);
});
